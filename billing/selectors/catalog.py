"""What the support page offers: tiers and prices, and the catalog's fingerprint."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch

from billing.models import Tier, TierPrice


@dataclass(frozen=True)
class TierOffer:
    tier: Tier
    price: TierPrice | None  # in the chosen currency and interval
    monthly: TierPrice | None  # for showing what an annual price saves
    saving_percent: int


def tier_offers(*, currency: str, interval: str) -> list[TierOffer]:
    """Active tiers with their prices in one currency: two queries whatever the tier count."""
    tiers = Tier.objects.filter(is_active=True).prefetch_related(
        Prefetch("prices", queryset=TierPrice.objects.filter(currency=currency))
    )
    offers = []
    for tier in tiers:
        by_interval = {p.interval: p for p in tier.prices.all()}
        price = by_interval.get(interval)
        monthly = by_interval.get("month")
        saving = 0
        if interval == "year" and price and monthly and monthly.amount:
            saving = round(100 - price.amount * 100 / (monthly.amount * 12))
        offers.append(TierOffer(tier=tier, price=price, monthly=monthly, saving_percent=saving))
    return offers


_CATALOG_FINGERPRINT = f"""
    SELECT md5(
        (SELECT coalesce(string_agg(t::text, '|' ORDER BY t.id), '') FROM {Tier._meta.db_table} t)
        || '#' ||
        (SELECT coalesce(string_agg(p::text, '|' ORDER BY p.id), '')
         FROM {TierPrice._meta.db_table} p)
    )
"""  # noqa: S608 - table names are our own constants


def catalog_fingerprint() -> str:
    """A digest of every tier and price row, whole: it changes with any write to either table
    (through a service, the admin, a migration or by hand), so a page kept under it can never
    outlive the catalog it shows. One query, computed by PostgreSQL over a handful of rows."""
    with connection.cursor() as cursor:
        cursor.execute(_CATALOG_FINGERPRINT)
        row = cursor.fetchone()
    return str(row[0])
