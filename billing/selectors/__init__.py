"""Billing's reads. Other apps (support: voting and reports) read billing only through these."""

from .catalog import TierOffer, catalog_fingerprint, tier_offers
from .history import Entitlement, entitled_member_ids, entitlement_for, entitlements_for
from .memberships import (
    membership_blocking_checkout_for,
    membership_current_for,
    memberships_for,
    payments_for,
)
from .reversals import Reversal, reversals_between
from .tiers import TierName, tier_names

__all__ = [
    "Entitlement",
    "Reversal",
    "TierName",
    "TierOffer",
    "catalog_fingerprint",
    "entitled_member_ids",
    "entitlement_for",
    "entitlements_for",
    "membership_blocking_checkout_for",
    "membership_current_for",
    "memberships_for",
    "payments_for",
    "reversals_between",
    "tier_names",
    "tier_offers",
]
