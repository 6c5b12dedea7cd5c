"""Copying a subscription's schedule (a change of plan set for the next renewal) from Stripe.

A member's downgrade or change of interval waits for the renewal in a Stripe subscription
schedule: its current phase is what they pay now, the next one starts at the renewal. We keep
only that next phase (`ScheduledChange`), copied with the membership by `membership_sync`, so
it is as fresh as the membership and follows Stripe's own ending of the schedule: once the
renewal has switched the plan there is no later phase, and the row goes.
"""

from __future__ import annotations

from typing import Any

from . import gateway
from .catalog import tier_for_stripe_price
from .models import Membership, ScheduledChange
from .stripe_values import from_unix, object_id

LIVE_SCHEDULE_STATUSES = ("active", "not_started")


def _next_phase(schedule: dict[str, Any], *, period_end: int) -> dict[str, Any] | None:
    """The first phase that starts at or after the end of the current period."""
    later = [p for p in schedule.get("phases") or [] if int(p.get("start_date") or 0) >= period_end]
    return min(later, key=lambda p: int(p["start_date"])) if later else None


def scheduled_change_copy(*, membership: Membership, sub: dict[str, Any]) -> None:
    """Make the membership's `ScheduledChange` what Stripe's schedule says (or remove it).

    Call it in the transaction that syncs the membership, under its subscription lock (the
    caller's): one read of the schedule and of the next phase's price, only when the
    subscription has a schedule. Idempotent.
    """
    schedule_id = object_id(sub.get("schedule"))
    item = sub["items"]["data"][0]
    period_end = int(item.get("current_period_end") or 0)
    phase = None
    schedule = None
    if schedule_id and not membership.is_ended:
        schedule = gateway.subscription_schedule_retrieve(schedule_id=schedule_id)
        if schedule.get("status") in LIVE_SCHEDULE_STATUSES:
            phase = _next_phase(schedule, period_end=period_end)
    if phase is None or not phase.get("items"):
        ScheduledChange.objects.filter(membership=membership).delete()
        return
    phase_item = phase["items"][0]
    price = gateway.price_retrieve(price_id=object_id(phase_item["price"]))
    recurring = price.get("recurring") or {}
    quantity = int(phase_item.get("quantity") or 1)
    ScheduledChange.objects.update_or_create(
        membership=membership,
        defaults={
            "stripe_schedule_id": schedule_id,
            "starts_at": from_unix(phase["start_date"]),
            "tier": tier_for_stripe_price(price),
            "stripe_price_id": price["id"],
            "amount": int(price.get("unit_amount") or 0) * quantity,
            "currency": price["currency"],
            "interval": recurring.get("interval", ""),
            "interval_count": int(recurring.get("interval_count") or 1),
        },
    )
