"""Writing the membership history (`MembershipChange`), one row per change, never rewritten.

Where the rows come from:

- Stripe's subscription events. Each `customer.subscription.created/updated/deleted` event is a
  snapshot of the subscription at the event's time (`created`, Stripe's clock), and an update
  carries `previous_attributes`, the old values of what changed. So an update tells both its
  "before" and its "after" by itself: the rows it yields are the same whatever order the events
  are processed in, and a replayed event finds its rows there already (unique per membership,
  event and kind). `membership_sync` writes them in the same transaction as the membership.
- A `deleted` event carries no previous state: its "before" is the "after" of the row just
  before it in time (`before_derived`). Should an earlier event be processed later, that "before"
  is completed again, so a shuffled history ends as the same ledger as an ordered one.
- Paid renewal invoices: a `renewed` row (no change of MRR), once per invoice, its state that
  of the row before it (derived, like a `deleted` event's "before").

One event can carry several changes (a recovery and a new price); they become one row each,
chained in a fixed order (status, pause, plan, cancellation), so each row's MRR delta is its
own and the deltas add up to the whole change. `step` ranks kinds within one second (STEP).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from .catalog import tier_for_stripe_price
from .models import Membership, MembershipChange
from .models.memberships import ENDED_STATUSES, ENTITLED_STATUSES
from .stripe_values import from_unix

Kind = MembershipChange.Kind
# A paying membership counts in MRR; a trial, a pause, an unpaid or ended one does not. Past
# due still counts until it lapses or ends (Stripe is still collecting it).
MRR_STATUSES = ("active", "past_due")
_MONTHS_PER = {"month": 1, "year": 12}
# Rows are ordered by Stripe's time, then `step`: a fixed rank per kind, so that rows of one
# second (a retry that succeeds sends the recovery and the paid renewal together) sort the
# same whatever order their events were processed in. Within one event the chain of changes
# (status, pause, plan, cancellation) has rising ranks too.
STEP = {
    Kind.STARTED: 0,
    Kind.CONVERTED: 10, Kind.PAST_DUE: 10, Kind.RECOVERED: 10, Kind.LAPSED: 10, Kind.CHANGED: 10,
    Kind.PAUSED: 20, Kind.RESUMED: 20,
    Kind.UPGRADED: 30, Kind.DOWNGRADED: 30, Kind.INTERVAL_CHANGED: 30,
    Kind.CANCEL_SCHEDULED: 40, Kind.CANCEL_UNDONE: 40,
    Kind.RENEWED: 50,
    Kind.ENDED: 99,
}  # fmt: skip
HISTORY_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)


def monthly_amount(*, amount: int, interval: str, interval_count: int = 1) -> int:
    """An amount per interval as an amount per month, rounded half up to a minor unit."""
    months = _MONTHS_PER.get(interval)
    if months is None:  # weeks and days, which the catalog does not sell
        per_year = {"week": 52, "day": 365}.get(interval, 12)
        return (2 * amount * per_year + 12 * interval_count) // (24 * interval_count)
    divisor = months * max(interval_count, 1)
    return (2 * amount + divisor) // (2 * divisor)


@dataclass(frozen=True)
class State:
    """What the history records of a membership at one moment."""

    status: str
    tier_id: int | None
    amount: int
    currency: str
    interval: str
    interval_count: int
    paused: bool
    cancel_scheduled: bool

    @property
    def entitled(self) -> bool:
        return self.status in ENTITLED_STATUSES and not self.paused

    @property
    def mrr(self) -> int:
        if self.status not in MRR_STATUSES or self.paused:
            return 0
        return monthly_amount(
            amount=self.amount, interval=self.interval, interval_count=self.interval_count
        )

    @property
    def plan(self) -> tuple[int | None, int, str, int]:
        return (self.tier_id, self.amount, self.interval, self.interval_count)


def state_of(sub: dict[str, Any]) -> State:
    """The state of a subscription object (a refetch or an event's snapshot)."""
    item = sub["items"]["data"][0]
    price = item["price"]
    recurring = price.get("recurring") or {}
    tier = tier_for_stripe_price(price)
    return State(
        status=sub["status"],
        tier_id=tier.pk if tier else None,
        amount=int(price.get("unit_amount") or 0) * int(item.get("quantity") or 1),
        currency=price["currency"],
        interval=recurring.get("interval", ""),
        interval_count=int(recurring.get("interval_count") or 1),
        paused=bool(sub.get("pause_collection")),
        cancel_scheduled=bool(sub.get("cancel_at_period_end") or sub.get("cancel_at")),
    )


def state_of_membership(membership: Membership) -> State:
    return State(
        status=membership.status,
        tier_id=membership.tier_id,
        amount=membership.amount,
        currency=membership.currency,
        interval=membership.interval,
        interval_count=membership.interval_count,
        paused=membership.paused,
        cancel_scheduled=bool(membership.cancel_at_period_end or membership.cancel_at),
    )


def _with_previous(obj: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """The object as it was: `previous_attributes` applied over the snapshot (hashes key by
    key, anything else whole; a key that did not exist before shows as null)."""
    before = copy.deepcopy(obj)
    for key, old in previous.items():
        if isinstance(old, dict) and isinstance(before.get(key), dict):
            before[key] = _with_previous(before[key], old)
        else:
            before[key] = old
    return before


# --- From one state to the next: the kinds of change --------------------------------------


def _status_kind(before: str, after: str) -> str | None:  # noqa: PLR0911 - one rule a line
    if before == after:
        return None
    if after in ENDED_STATUSES:
        return None if before in ("", "incomplete") else Kind.ENDED
    if before in ("", "incomplete", "incomplete_expired"):
        return Kind.STARTED
    if before == "trialing" and after == "active":
        return Kind.CONVERTED
    if after == "past_due":
        return Kind.PAST_DUE
    if after == "unpaid":
        return Kind.LAPSED
    if after == "paused":
        return Kind.PAUSED
    if before == "paused":
        return Kind.RESUMED
    if before in ("past_due", "unpaid"):
        return Kind.RECOVERED
    return Kind.CHANGED


def _plan_kind(before: State, after: State) -> str:
    if (before.interval, before.interval_count) != (after.interval, after.interval_count):
        return Kind.INTERVAL_CHANGED
    old = monthly_amount(
        amount=before.amount, interval=before.interval, interval_count=before.interval_count
    )
    new = monthly_amount(
        amount=after.amount, interval=after.interval, interval_count=after.interval_count
    )
    return Kind.UPGRADED if new >= old else Kind.DOWNGRADED


def nothing(currency: str) -> State:
    """The state before a membership started."""
    return State(
        status="",
        tier_id=None,
        amount=0,
        currency=currency,
        interval="",
        interval_count=1,
        paused=False,
        cancel_scheduled=False,
    )


def steps(before: State | None, after: State) -> list[tuple[str, State, State]]:
    """The changes from `before` (None: nothing yet) to `after`, each as (kind, state before,
    state after), chained: each step's "after" is the next step's "before"."""
    if before is None:
        if after.status in ("incomplete", *ENDED_STATUSES):
            return []
        return [(Kind.STARTED, nothing(after.currency), after)]
    out: list[tuple[str, State, State]] = []
    current = before
    status_kind = _status_kind(before.status, after.status)
    if status_kind is not None:
        nxt = replace(current, status=after.status)
        out.append((status_kind, current, nxt))
        current = nxt
    if after.status in ENDED_STATUSES:
        current = replace(current, paused=after.paused, cancel_scheduled=after.cancel_scheduled)
        if out:  # the ended row shows the plan it ended on
            kind, old, _new = out[-1]
            out[-1] = (kind, old, replace(after))
        return out
    if before.paused != after.paused:
        nxt = replace(current, paused=after.paused)
        out.append((Kind.PAUSED if after.paused else Kind.RESUMED, current, nxt))
        current = nxt
    if before.plan != after.plan:
        nxt = replace(
            current,
            tier_id=after.tier_id,
            amount=after.amount,
            interval=after.interval,
            interval_count=after.interval_count,
        )
        out.append((_plan_kind(current, nxt), current, nxt))
        current = nxt
    if before.cancel_scheduled != after.cancel_scheduled:
        nxt = replace(current, cancel_scheduled=after.cancel_scheduled)
        out.append(
            (Kind.CANCEL_SCHEDULED if after.cancel_scheduled else Kind.CANCEL_UNDONE, current, nxt)
        )
    return out


# --- Writing rows ------------------------------------------------------------------------


def _cancellation(sub: dict[str, Any]) -> dict[str, Any]:
    details = sub.get("cancellation_details") or {}
    reason = details.get("reason") or ""
    voluntary = {"cancellation_requested": True, "payment_failed": False}.get(reason)
    if reason == "payment_disputed":
        voluntary = False
    return {
        "cancellation_reason": reason,
        "cancellation_feedback": details.get("feedback") or "",
        "cancellation_comment": details.get("comment") or "",
        "voluntary": voluntary,
    }


# Ends we brought about ourselves are not a member's choice to leave (nor churn, for a
# duplicate or a replaced one): the reason says which, whatever Stripe's
# `cancellation_details` says of an API cancel.
_OUR_ENDS = {
    Membership.EndRequested.DUPLICATE: None,
    Membership.EndRequested.REPLACED: None,
    Membership.EndRequested.ACCOUNT_DELETED: True,
}


def _end_reason(membership: Membership, sub: dict[str, Any]) -> dict[str, Any]:
    if membership.end_requested in _OUR_ENDS:
        return {
            "cancellation_reason": membership.end_requested,
            "cancellation_feedback": "",
            "cancellation_comment": membership.note,
            "voluntary": _OUR_ENDS[membership.end_requested],
        }
    return _cancellation(sub)


def _state_fields(prefix: str, state: State) -> dict[str, Any]:
    return {
        f"status_{prefix}": state.status,
        f"tier_{prefix}_id": state.tier_id,
        f"amount_{prefix}": state.amount,
        f"interval_{prefix}": state.interval,
        f"interval_count_{prefix}": state.interval_count,
        f"paused_{prefix}": state.paused,
        f"cancel_scheduled_{prefix}": state.cancel_scheduled,
        f"entitled_{prefix}": state.entitled,
        f"mrr_{prefix}": state.mrr,
    }


def _insert(
    *,
    membership: Membership,
    kind: str,
    step: int,
    before: State,
    after: State,
    occurred_at: datetime,
    source: str,
    source_key: str,
    extra: dict[str, Any] | None = None,
    before_derived: bool = False,
) -> MembershipChange | None:
    """One row, or None when it is there already (a replay, or a second source of the one
    start or end of a membership)."""
    row = MembershipChange(
        membership=membership,
        user_id=membership.user_id,
        kind=kind,
        step=step,
        occurred_at=occurred_at,
        source=source,
        source_key=source_key,
        currency=after.currency or before.currency,
        mrr_delta=after.mrr - before.mrr,
        before_derived=before_derived,
        **_state_fields("before", before),
        **_state_fields("after", after),
        **(extra or {}),
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return None
    return row


def _write_steps(
    *,
    membership: Membership,
    before: State | None,
    after: State,
    at: Callable[[str], datetime],
    extra: Callable[[str], dict[str, Any] | None],
    source: str,
    source_key: str,
    before_derived: bool = False,
) -> int | None:
    """Write the rows of the change from `before` to `after` (see `steps`), each at `at(kind)`
    with `extra(kind)`; returns the lowest step written, or None if every row was there."""
    first: int | None = None
    for kind, old, new in steps(before, after):
        row = _insert(
            membership=membership,
            kind=kind,
            step=STEP[kind],
            before=old,
            after=new,
            occurred_at=at(kind),
            source=source,
            source_key=source_key,
            extra=extra(kind),
            before_derived=before_derived,
        )
        if row is not None:
            first = STEP[kind] if first is None else min(first, STEP[kind])
    return first


def _state_of_row(row: MembershipChange) -> State:
    return State(
        status=row.status_after,
        tier_id=row.tier_after_id,
        amount=row.amount_after,
        currency=row.currency,
        interval=row.interval_after,
        interval_count=row.interval_count_after,
        paused=row.paused_after,
        cancel_scheduled=row.cancel_scheduled_after,
    )


def _row_before(
    membership: Membership, occurred_at: datetime, step: int, exclude_key: str = ""
) -> MembershipChange | None:
    """The row just before the place (`occurred_at`, `step`) in the ledger."""
    rows = MembershipChange.objects.filter(membership=membership).filter(
        Q(occurred_at__lt=occurred_at) | Q(occurred_at=occurred_at, step__lt=step)
    )
    return rows.exclude(source_key=exclude_key).order_by("-occurred_at", "-step", "-id").first()


def _complete_derived_after(membership: Membership, occurred_at: datetime, step: int) -> None:
    """Rows were written from (`occurred_at`, `step`) on: the rows after them whose "before"
    was derived from their predecessor may now have a different one; derive them again, up
    to the first row whose "before" came from its own event."""
    later_rows = (
        MembershipChange.objects.select_for_update()
        .filter(membership=membership)
        .filter(Q(occurred_at__gt=occurred_at) | Q(occurred_at=occurred_at, step__gt=step))
        .order_by("occurred_at", "step", "id")
    )
    for later in later_rows:
        if not later.before_derived:
            return
        previous = _row_before(
            membership, later.occurred_at, later.step, exclude_key=later.source_key
        )
        if previous is None:
            return
        before = _state_of_row(previous)
        for name, value in _state_fields("before", before).items():
            setattr(later, name, value)
        if later.kind == Kind.RENEWED:  # a renewal changes nothing: it is its "before"
            for name, value in _state_fields("after", before).items():
                setattr(later, name, value)
        later.mrr_delta = later.mrr_after - later.mrr_before
        later.save()


def history_record_event(*, membership: Membership, event: dict[str, Any]) -> bool:
    """Append the changes one subscription event tells of; True if any row was new.

    Idempotent (unique per membership, event and kind) and order-independent (module doc).
    Call it inside the transaction that syncs the membership.
    """
    if event.get("type") not in HISTORY_EVENTS:
        return False
    sub = event["data"]["object"]
    occurred_at = from_unix(event["created"])
    assert occurred_at is not None
    after = state_of(sub)
    derived = False
    if event["type"] == "customer.subscription.created":
        before: State | None = None
    elif event["type"] == "customer.subscription.updated":
        before = state_of(_with_previous(sub, event["data"].get("previous_attributes") or {}))
    else:
        previous = _row_before(membership, occurred_at, STEP[Kind.ENDED], exclude_key=event["id"])
        before = _state_of_row(previous) if previous else replace(after, status="active")
        derived = True

    def extra(kind: str) -> dict[str, Any] | None:
        if kind == Kind.ENDED:
            return _end_reason(membership, sub)
        return _cancellation(sub) if kind == Kind.CANCEL_SCHEDULED else None

    first = _write_steps(
        membership=membership,
        before=before,
        after=after,
        at=lambda _kind: occurred_at,
        extra=extra,
        source=MembershipChange.Source.WEBHOOK,
        source_key=event["id"],
        before_derived=derived,
    )
    if first is None:
        return False
    _complete_derived_after(membership, occurred_at, first)
    return True


def history_record_renewal(*, membership: Membership, invoice: dict[str, Any]) -> bool:
    """A `renewed` row for a paid renewal invoice (no change of MRR), once per invoice."""
    if invoice.get("billing_reason") != "subscription_cycle":
        return False
    paid_at = from_unix((invoice.get("status_transitions") or {}).get("paid_at")) or from_unix(
        invoice.get("created")
    )
    assert paid_at is not None
    previous = _row_before(membership, paid_at, STEP[Kind.RENEWED])
    state = _state_of_row(previous) if previous else state_of_membership(membership)
    row = _insert(
        membership=membership,
        kind=Kind.RENEWED,
        step=STEP[Kind.RENEWED],
        before=state,
        after=state,
        occurred_at=paid_at,
        source=MembershipChange.Source.WEBHOOK,
        source_key=invoice["id"],
        before_derived=True,
    )
    if row is None:
        return False
    _complete_derived_after(membership, paid_at, STEP[Kind.RENEWED])
    return True


def history_record_repair(
    *, membership: Membership, sub: dict[str, Any], source_key: str, at: datetime
) -> bool:
    """Reconciliation found the ledger behind Stripe (the events that told of a change are
    lost for good): append the changes from the ledger's latest state to the subscription's,
    written as from reconciliation, at Stripe's time where the subscription keeps one (its
    start, its end), else at `at`. True if any row was new (False when they agree)."""
    latest = (
        MembershipChange.objects.filter(membership=membership)
        .order_by("-occurred_at", "-step", "-id")
        .first()
    )
    before = _state_of_row(latest) if latest else None
    after = state_of(sub)
    if before == after:
        return False

    def when(kind: str) -> datetime:
        if kind == Kind.STARTED:
            return from_unix(sub.get("start_date") or sub.get("created")) or at
        if kind == Kind.ENDED:
            return from_unix(sub.get("ended_at")) or at
        return at

    first = _write_steps(
        membership=membership,
        before=before,
        after=after,
        at=when,
        extra=lambda kind: _end_reason(membership, sub) if kind == Kind.ENDED else None,
        source=MembershipChange.Source.RECONCILIATION,
        source_key=source_key,
        before_derived=True,
    )
    return first is not None


def history_record_change(
    *,
    membership: Membership,
    before: State | None,
    after: State,
    at: datetime,
    source: str,
    source_key: str,
    reason: str = "",
    voluntary: bool | None = None,
) -> bool:
    """Rows for a change we made ourselves (a comp granted or ended, a gift claimed or run
    out): the same kinds and MRR arithmetic as Stripe's events, at our time. Once per
    membership, source key and kind. Call it in the transaction that makes the change."""
    ended = {"cancellation_reason": reason, "voluntary": voluntary}
    first = _write_steps(
        membership=membership,
        before=before,
        after=after,
        at=lambda _kind: at,
        extra=lambda kind: ended if kind == Kind.ENDED else None,
        source=source,
        source_key=source_key,
    )
    return first is not None
