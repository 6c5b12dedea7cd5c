"""The member's choice of tier, amount and interval, checked against the catalog, and whether
it applies now or at the renewal (billing.self_service.changes)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from billing.models import Membership, Tier, TierPrice
from billing.money import format_amount
from billing.selectors.self_service import scheduled_change_for

from .common import SelfServiceRefused

NOW = "now"
AT_RENEWAL = "renewal"


@dataclass(frozen=True)
class Plan:
    """What the member asked for: checked against the catalog, in the membership's currency."""

    tier: Tier
    interval: str
    amount: int
    currency: str
    tier_price: TierPrice | None  # None: the member's own amount, a Price of its own

    @property
    def custom(self) -> bool:
        return self.tier_price is None


def change_plan(
    *, membership: Membership, tier: Tier | None, interval: str, amount: int | None
) -> Plan:
    """Check the member's choice against the catalog; raises SelfServiceRefused (with the
    form field) when it cannot be had."""
    if interval not in ("month", "year"):
        raise SelfServiceRefused(_("Choose monthly or annual."), field="interval")
    if tier is None or not tier.is_active:
        raise SelfServiceRefused(_("Choose one of the tiers on this page."), field="tier")
    currency = membership.currency
    catalog = TierPrice.objects.filter(tier=tier, currency=currency, interval=interval).first()
    if catalog is not None and not catalog.in_sync:
        catalog = None
    if amount is not None and not (catalog is not None and catalog.amount == amount):
        if not tier.allow_custom_amount:
            raise SelfServiceRefused(
                _("%(tier)s has a fixed price. Leave the amount empty.") % {"tier": tier.name},
                field="amount",
            )
        if amount < tier.custom_minimum:
            raise SelfServiceRefused(
                _("The smallest amount for %(tier)s is %(min)s.")
                % {"tier": tier.name, "min": format_amount(tier.custom_minimum, currency)},
                field="amount",
            )
        if not tier.stripe_product_id:
            raise SelfServiceRefused(_("This tier is not available yet."), field="tier")
        plan = Plan(tier=tier, interval=interval, amount=amount, currency=currency, tier_price=None)
    elif catalog is None:
        raise SelfServiceRefused(
            _("%(tier)s is not offered in this currency and interval.") % {"tier": tier.name},
            field="tier",
        )
    else:
        plan = Plan(tier, interval, catalog.amount, currency, catalog)
    if (plan.tier.pk, plan.amount, plan.interval, 1) == (
        membership.tier_id, membership.amount, membership.interval, membership.interval_count,
    ):  # fmt: skip
        raise SelfServiceRefused(
            _("That is what you give now. Choose another tier, amount or interval.")
        )
    scheduled = scheduled_change_for(membership=membership)
    if scheduled is not None and (scheduled.tier_id, scheduled.amount, scheduled.interval) == (
        plan.tier.pk, plan.amount, plan.interval,
    ):  # fmt: skip
        raise SelfServiceRefused(_("That change is already set for your next renewal."))
    return plan


def when_for(*, membership: Membership, plan: Plan) -> str:
    """Now for an upgrade (same interval, the same or more a period), else at the renewal."""
    same_interval = plan.interval == membership.interval and membership.interval_count == 1
    return NOW if same_interval and plan.amount >= membership.amount else AT_RENEWAL
