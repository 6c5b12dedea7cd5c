"""Comps and gifts: memberships we grant until a date, with no Stripe subscription behind them.

A grant is *entitled* (benefits, voting) from its start until `cancel_at`, never *may still
charge* and never *blocks a new checkout* (a comped reader may still choose to pay; a gift's
recipient is invited to continue as a patron before it runs out). Its amount is 0, so it adds
nothing to MRR. Every start and end is written to the membership history in the same
transaction, like Stripe's changes. `grants_expire` (beat) ends the ones whose date has come.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from members.models import User

from .history import State, history_record_change, state_of_membership
from .locks import lock_member
from .models import Membership, MembershipChange, Tier

log = logging.getLogger(__name__)

GRANT_SOURCES = {
    Membership.Kind.COMP: MembershipChange.Source.STAFF,
    Membership.Kind.GIFT: MembershipChange.Source.GIFT,
}


def grant_start(
    *, user: User, tier: Tier, kind: str, until: datetime, note: str = ""
) -> Membership:
    """Start a comp or a gift for `user` on `tier`, entitled until `until` (in the future).
    Writes the membership and its `started` history row together."""
    if kind not in GRANT_SOURCES:
        raise ValueError(f"not a grant: {kind}")
    now = timezone.now()
    if until <= now:
        raise ValueError("A grant must end in the future.")
    with transaction.atomic():
        lock_member(user.pk)
        membership = Membership.objects.create(
            user=user,
            kind=kind,
            tier=tier,
            status=Membership.Status.ACTIVE,
            amount=0,
            currency=settings.BILLING_DEFAULT_CURRENCY,
            interval="",
            started_at=now,
            current_period_start=now,
            current_period_end=until,
            cancel_at=until,
            note=note[:255],
        )
        history_record_change(
            membership=membership,
            before=None,
            after=state_of_membership(membership),
            at=now,
            source=GRANT_SOURCES[kind],
            source_key=f"grant:{membership.pk}",
        )
    return membership


def grant_end(
    *, membership: Membership, at: datetime | None = None, reason: str = "expired"
) -> bool:
    """End a comp or a gift (its date has come, or staff end it early). Idempotent: returns
    False when it had ended already."""
    if not membership.is_grant:
        raise ValueError("Stripe subscriptions end at Stripe, not here.")
    at = at or timezone.now()
    with transaction.atomic():
        lock_member(membership.user_id)
        current = Membership.objects.select_for_update().get(pk=membership.pk)
        if current.is_ended:
            return False
        before: State = state_of_membership(current)
        current.status = Membership.Status.CANCELED
        current.ended_at = at
        current.canceled_at = current.canceled_at or at
        current.save(update_fields=["status", "ended_at", "canceled_at", "updated_at"])
        history_record_change(
            membership=current,
            before=before,
            after=state_of_membership(current),
            at=at,
            source=GRANT_SOURCES[current.kind],
            source_key=f"grant:{current.pk}:end",
            reason=reason,
            voluntary=None,
        )
    membership.refresh_from_db()
    return True


def grants_expire(*, now: datetime | None = None) -> int:
    """End every grant whose date has come, at that date. Returns how many ended."""
    now = now or timezone.now()
    due = Membership.objects.grants().not_ended().filter(cancel_at__lte=now)
    ended = 0
    for membership in due.iterator():
        ended += grant_end(membership=membership, at=membership.cancel_at)
    if ended:
        log.info("grants expired: %d", ended)
    return ended
