"""Entitlement as the membership history tells it: is a member entitled at a moment, and since
when without a break ("a patron for 7 days" for voting). Read from `MembershipChange` rows,
never from the current membership row (which is only a cache of Stripe's latest state).

A member is entitled while any of their memberships is (a member who pays again overlaps the
old and the new membership, and stays entitled throughout). `since` is when the current
unbroken stretch began; a gap, however short, starts a new one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from billing.models import MembershipChange


@dataclass(frozen=True)
class Entitlement:
    entitled: bool
    since: datetime | None  # start of the current unbroken entitled stretch
    tier_ids: frozenset[int]  # tiers of the memberships that entitle the member now

    def held_for(self, at: datetime) -> timedelta:
        """How long the member has been entitled without a break, at `at`."""
        return at - self.since if self.entitled and self.since else timedelta(0)


NOT_ENTITLED = Entitlement(entitled=False, since=None, tier_ids=frozenset())


def _walk(rows: Iterable[tuple[int, datetime, bool, int | None]]) -> Entitlement:
    """Rows of one member (membership id, time, entitled after, tier after), in ledger order."""
    current: dict[int, tuple[bool, int | None]] = {}
    since: datetime | None = None
    for membership_id, occurred_at, entitled, tier_id in rows:
        was = any(e for e, _t in current.values())
        current[membership_id] = (entitled, tier_id)
        now = any(e for e, _t in current.values())
        if now and not was:
            since = occurred_at
        elif was and not now:
            since = None
    tiers = frozenset(t for e, t in current.values() if e and t is not None)
    entitled = any(e for e, _t in current.values())
    return Entitlement(entitled=entitled, since=since if entitled else None, tier_ids=tiers)


def _rows(user_ids: Iterable[int], at: datetime | None) -> Iterator[tuple[int, tuple]]:
    rows = MembershipChange.objects.filter(user_id__in=list(user_ids))
    if at is not None:
        rows = rows.filter(occurred_at__lte=at)
    return (
        (user_id, (membership_id, occurred_at, entitled, tier_id))
        for user_id, membership_id, occurred_at, entitled, tier_id in (
            rows.order_by("user_id", "occurred_at", "step", "id")
            .values_list("user_id", "membership_id", "occurred_at", "entitled_after", "tier_after")
            .iterator(chunk_size=5000)
        )
    )


def entitlements_for(
    *, user_ids: Iterable[int], at: datetime | None = None
) -> dict[int, Entitlement]:
    """Entitlement of each member at `at`, in one query. Without `at`: as the latest row of
    the history has it (Stripe's clock may run a little ahead of ours, or, in tests, a lot)."""
    by_user: dict[int, list[tuple]] = defaultdict(list)
    ids = list(user_ids)
    for user_id, row in _rows(ids, at):
        by_user[user_id].append(row)
    return {user_id: _walk(by_user.get(user_id, [])) for user_id in ids}


def entitlement_for(*, user_id: int, at: datetime | None = None) -> Entitlement:
    return entitlements_for(user_ids=[user_id], at=at)[user_id]


def entitled_member_ids(
    *,
    at: datetime | None = None,
    held_for: timedelta = timedelta(0),
    tier_ids: Iterable[int] | None = None,
    batch: int = 2000,
    after: int = 0,
) -> Iterator[list[int]]:
    """Members entitled at `at` for at least `held_for` without a break (and, if given, through
    a membership of one of `tier_ids`), in batches of ids in ascending order, starting after
    member id `after` (to resume a fan-out). Memory stays flat: candidates are read by keyset,
    `batch` members at a time. Without `at`: the latest state of the history, its stretch
    measured up to now."""
    wanted = frozenset(tier_ids) if tier_ids is not None else None
    candidates = MembershipChange.objects.filter(entitled_after=True)
    if at is not None:
        candidates = candidates.filter(occurred_at__lte=at)
    candidates = candidates.order_by("user_id").values_list("user_id", flat=True).distinct()
    last = after
    while ids := list(candidates.filter(user_id__gt=last)[:batch]):
        last = ids[-1]
        chosen = [
            user_id
            for user_id, ent in entitlements_for(user_ids=ids, at=at).items()
            if ent.entitled
            and ent.held_for(at or timezone.now()) >= held_for
            and (wanted is None or ent.tier_ids & wanted)
        ]
        if chosen:
            yield chosen
