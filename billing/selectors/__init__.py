"""Billing's reads. Other apps (support: voting and reports) read billing only through these."""

from .attribution import ArticleAttribution, patrons_by_article
from .catalog import TierOffer, catalog_fingerprint, tier_offers
from .history import Entitlement, entitled_member_ids, entitlement_for, entitlements_for
from .memberships import (
    membership_blocking_checkout_for,
    membership_current_for,
    memberships_for,
    payments_for,
    stripe_commands_needing_attention,
)
from .reversals import Reversal, reversals_between
from .statements import Statement, statement_for, statement_years_for
from .tiers import TierName, tier_names

__all__ = [
    "ArticleAttribution",
    "Entitlement",
    "Reversal",
    "Statement",
    "TierName",
    "TierOffer",
    "catalog_fingerprint",
    "entitled_member_ids",
    "entitlement_for",
    "entitlements_for",
    "membership_blocking_checkout_for",
    "membership_current_for",
    "memberships_for",
    "patrons_by_article",
    "payments_for",
    "reversals_between",
    "statement_for",
    "statement_years_for",
    "stripe_commands_needing_attention",
    "tier_names",
    "tier_offers",
]
