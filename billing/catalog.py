"""Tiers and their prices, pushed to Stripe as Products and Prices."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction

from . import gateway
from .models import Tier, TierPrice
from .stripe_values import object_id

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    products_created: int = 0
    products_updated: int = 0
    prices_created: int = 0
    prices_archived: int = 0
    unchanged: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.products_created
            or self.products_updated
            or self.prices_created
            or self.prices_archived
        )


def _product_fields(tier: Tier) -> dict[str, object]:
    return {
        "name": tier.name,
        "description": tier.description or "",
        "active": tier.is_active,
        "metadata": {"tier_id": str(tier.pk), "tier_slug": tier.slug},
    }


def _product_differs(product: dict, tier: Tier) -> bool:
    wanted = _product_fields(tier)
    return (
        product.get("name") != wanted["name"]
        or (product.get("description") or "") != wanted["description"]
        or product.get("active") != wanted["active"]
        or {k: product.get("metadata", {}).get(k) for k in wanted["metadata"]}  # type: ignore[attr-defined]
        != wanted["metadata"]
    )


def tier_sync(*, tier: Tier, report: SyncReport | None = None) -> SyncReport:
    """Make Stripe match one tier: its Product, and one active Price per TierPrice.

    Idempotent: re-running changes nothing. Stripe Prices cannot change amount, so a changed
    amount creates a new Price (idempotency key includes the amount) and archives the old.
    A Product or Price missing at Stripe (a reset stand-in, another account) is recreated.
    """
    report = report or SyncReport()
    with transaction.atomic():
        tier = Tier.objects.select_for_update().get(pk=tier.pk)
        product = None
        if tier.stripe_product_id:
            try:
                product = gateway.product_retrieve(product_id=tier.stripe_product_id)
            except gateway.NotFound:
                product = None
            if product is not None and _product_differs(product, tier):
                product = gateway.product_update(
                    product_id=tier.stripe_product_id, **_product_fields(tier)
                )
                report.products_updated += 1
                report.lines.append(f"{tier}: product {product['id']} updated")
        if product is None:
            fields = _product_fields(tier)
            product = gateway.product_create(
                name=str(fields["name"]),
                description=str(fields["description"]),
                metadata=fields["metadata"],  # type: ignore[arg-type]
                idempotency_key=f"tier-product-{tier.pk}-{tier.slug}",
            )
            tier.stripe_product_id = product["id"]
            tier.save(update_fields=["stripe_product_id"])
            report.products_created += 1
            report.lines.append(f"{tier}: product {product['id']} created")
        for price in tier.prices.select_for_update():
            _price_sync(price=price, product_id=tier.stripe_product_id, report=report)
    return report


def _price_sync(*, price: TierPrice, product_id: str, report: SyncReport) -> None:
    if price.in_sync:
        try:
            current = gateway.price_retrieve(price_id=price.stripe_price_id)
        except gateway.NotFound:
            current = None
        if (
            current
            and current["active"]
            and current["product"] == product_id
            and current["unit_amount"] == price.amount
        ):
            report.unchanged += 1
            return
    old_id = price.stripe_price_id
    created = gateway.price_create(
        product_id=product_id,
        currency=price.currency,
        unit_amount=price.amount,
        interval=price.interval,
        metadata={"tier_price_id": str(price.pk), "tier_id": str(price.tier_id)},
        # The key names the transition, so a re-run replays it and a later change back to an
        # old amount makes a fresh Price instead of replaying an archived one.
        idempotency_key=f"tier-price-{price.pk}-{product_id}-{old_id or 'new'}-{price.amount}",
    )
    price.stripe_price_id = created["id"]
    price.synced_amount = price.amount
    price.save(update_fields=["stripe_price_id", "synced_amount"])
    report.prices_created += 1
    report.lines.append(f"{price}: price {created['id']} created")
    if old_id and old_id != created["id"]:
        try:
            gateway.price_archive(price_id=old_id)
            report.prices_archived += 1
            report.lines.append(f"{price}: old price {old_id} archived")
        except gateway.NotFound:
            pass


def tiers_sync(*, tiers: list[Tier] | None = None) -> SyncReport:
    """Push every tier (or the given ones) to Stripe. See `tier_sync`."""
    report = SyncReport()
    for tier in tiers if tiers is not None else Tier.objects.all():
        tier_sync(tier=tier, report=report)
    return report


def tier_for_stripe_price(price: dict) -> Tier | None:
    """The tier a Stripe Price belongs to: by our Price id, else by its Product."""
    tier_price = TierPrice.objects.filter(stripe_price_id=price.get("id")).first()
    if tier_price:
        return tier_price.tier
    product_id = object_id(price.get("product"))
    return Tier.objects.filter(stripe_product_id=product_id).first() if product_id else None
