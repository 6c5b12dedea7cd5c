"""Who may vote in a round, read from billing's membership history at the moment it matters.

A member may vote when, at that moment, the history says they are entitled, have been for at
least the round's `min_patron_days` without a break, and (if the round names tiers) are
entitled through one of those tiers. Only `billing.selectors` is asked: whatever billing
writes into the history (Stripe subscriptions today, comps when staff can grant them) counts
the same way, and the current membership row, a cache of Stripe's latest state, is never read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.selectors import Entitlement, entitled_member_ids, entitlements_for
from members.selectors import member_status

from ..models import Round

ELIGIBLE = "eligible"
NOT_ENTITLED = "not_entitled"
TOO_NEW = "too_new"
TIER = "tier"
INACTIVE = "inactive"

REASONS = {
    ELIGIBLE: _("You may vote in this round."),
    NOT_ENTITLED: _("Voting is for patrons. Become a patron to vote in the next rounds."),
    TOO_NEW: _(
        "Thank you for becoming a patron. Votes are for patrons of at least %(days)s days; "
        "you may vote from %(when)s."
    ),
    TIER: _("This round is for patrons of other tiers."),
    INACTIVE: _("This account cannot vote."),
}


@dataclass(frozen=True)
class Eligibility:
    reason: str
    entitlement: Entitlement
    weight: int = 1
    eligible_from: datetime | None = None  # when a new patron may vote

    @property
    def eligible(self) -> bool:
        return self.reason == ELIGIBLE


def min_age(rnd: Round) -> timedelta:
    return timedelta(days=rnd.min_patron_days)


def _judge(rnd: Round, ent: Entitlement, at: datetime) -> Eligibility:
    if not ent.entitled:
        return Eligibility(NOT_ENTITLED, ent)
    allowed = set(rnd.allowed_tier_ids)
    tiers = set(ent.tier_ids) & allowed if allowed else set(ent.tier_ids)
    if allowed and not tiers:
        return Eligibility(TIER, ent)
    if ent.held_for(at) < min_age(rnd):
        since = ent.since or at
        return Eligibility(TOO_NEW, ent, eligible_from=since + min_age(rnd))
    return Eligibility(ELIGIBLE, ent, weight=rnd.weight_of(tiers))


def eligibility_for(*, rnd: Round, user_id: int, at: datetime | None = None) -> Eligibility:
    """Whether `user_id` may vote in `rnd` at `at` (default: now), and with what weight.
    Reads only; two queries (the account's state, its history)."""
    at = at or timezone.now()
    ent = entitlements_for(user_ids=[user_id], at=at)[user_id]
    status = member_status(user_id=user_id)
    if status is None or not status.active:
        return Eligibility(INACTIVE, ent)
    return _judge(rnd, ent, at)


def eligible_member_batches(
    *, rnd: Round, at: datetime | None = None, after: int = 0, batch: int = 2000
) -> Iterator[list[int]]:
    """Ids of the members who may vote in `rnd` at `at`, ascending, in batches, starting
    after member id `after`. Flat memory: billing reads the history by keyset."""
    at = at or timezone.now()
    return entitled_member_ids(
        at=at,
        held_for=min_age(rnd),
        tier_ids=rnd.allowed_tier_ids or None,
        batch=batch,
        after=after,
    )


def eligible_count(*, rnd: Round, at: datetime | None = None) -> int:
    return sum(len(ids) for ids in eligible_member_batches(rnd=rnd, at=at))
