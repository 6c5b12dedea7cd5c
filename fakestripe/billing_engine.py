"""Everything that happens because time passes: renewals, ``invoice.upcoming`` notices, payment
retries, scheduled cancellations, the end of ``pause_collection`` and checkout session expiry.

``advance(rt, to)`` walks every boundary up to ``to`` in time order, pinning the clock to each
boundary while it is processed, so that objects and events carry the boundary's timestamp.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fakestripe import trials
from fakestripe.cancellation import scheduled_cancel
from fakestripe.discounts import end_expired, next_end
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.invoiceitems import pending_lines
from fakestripe.invoicing import (
    LineSpec,
    charge_invoice,
    create_invoice,
    finalize,
    mark_uncollectible,
    preview_id,
    regular_line,
    subscription_of,
    void,
)
from fakestripe.objects.billing import subscription_items
from fakestripe.pausing import RESUMPTION_EXPIRY, expire_resumption
from fakestripe.periods import DAY, period_end
from fakestripe.schedules import begin, cross_boundary, next_boundary
from fakestripe.subscriptions import current_period, next_period_end
from fakestripe.test_clocks import owns_action

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

log = logging.getLogger("fakestripe.billing")

MAX_STEPS = 20_000
INCOMPLETE_EXPIRY = 23 * 3600
RENEWING = ("active", "past_due", "unpaid", "trialing")


@dataclass(order=True)
class Action:
    at: int
    priority: int
    kind: str
    object_id: str


def _subscription_actions(rt: Runtime, sub: dict[str, Any]) -> list[Action]:
    status = sub["status"]
    if status == "incomplete":
        return [Action(sub["created"] + INCOMPLETE_EXPIRY, 0, "expire_incomplete", sub["id"])]
    if status not in RENEWING:
        return []
    found = []
    start, end = current_period(rt, sub)
    if sub["cancel_at"] is not None:
        found.append(Action(sub["cancel_at"], 0, "cancel", sub["id"]))
    pause = sub.get("pause_collection") or {}
    if pause.get("resumes_at"):
        found.append(Action(pause["resumes_at"], 1, "unpause", sub["id"]))
    discount_end = next_end(rt, sub)
    if discount_end is not None:
        found.append(Action(discount_end, 1, "discount_end", sub["id"]))
    if sub["cancel_at"] is not None and sub["cancel_at"] <= end:
        return found
    found.append(Action(end, 2, "renew", sub["id"]))
    trial_notice = trials.notice_due(rt, sub)
    if trial_notice is not None:
        found.append(Action(trial_notice, 3, "trial_will_end", sub["id"]))
    upcoming_days = rt.settings.upcoming_days
    notice = end - upcoming_days * DAY
    private = rt.store.private(sub["id"])
    if upcoming_days > 0 and notice > start and private.get("upcoming_sent") != end:
        found.append(Action(notice, 3, "upcoming", sub["id"]))
    return found


def _schedule_actions(rt: Runtime, schedule: dict[str, Any]) -> list[Action]:
    # Priority 1: a phase that starts at a renewal takes over just before it (2).
    if schedule["status"] == "not_started":
        return [Action(schedule["phases"][0]["start_date"], 1, "schedule_start", schedule["id"])]
    boundary = next_boundary(rt, schedule) if schedule["status"] == "active" else None
    return [Action(boundary, 1, "schedule_phase", schedule["id"])] if boundary else []


def _invoice_actions(rt: Runtime, invoice: dict[str, Any]) -> list[Action]:
    if invoice["status"] != "open":
        return []
    found = []
    if rt.store.private(invoice["id"]).get("resumption") == "resume_on_payment_attempt":
        expiry = invoice["created"] + RESUMPTION_EXPIRY
        found.append(Action(expiry, 4, "expire_resumption", invoice["id"]))
    if invoice["auto_advance"] and invoice["next_payment_attempt"]:
        found.append(Action(invoice["next_payment_attempt"], 4, "retry", invoice["id"]))
    return found


def _actions(rt: Runtime) -> list[Action]:
    store = rt.store
    found: list[Action] = []
    for sub in store.objects.get("subscription", {}).values():
        found += _subscription_actions(rt, sub)
    for schedule in store.objects.get("subscription_schedule", {}).values():
        found += _schedule_actions(rt, schedule)
    for invoice in store.objects.get("invoice", {}).values():
        found += _invoice_actions(rt, invoice)
    for session in store.objects.get("checkout.session", {}).values():
        # A paid session being completed does not expire.
        if session["status"] == "open" and not store.private(session["id"]).get("completion"):
            found.append(Action(session["expires_at"], 5, "expire_session", session["id"]))
    return found


def next_due(rt: Runtime, until: int, clock_id: str | None = None) -> Action | None:
    due = [a for a in _actions(rt) if a.at <= until and owns_action(rt, a.object_id, clock_id)]
    return min(due) if due else None


def process_due(rt: Runtime, until: int, clock_id: str | None = None) -> list[dict[str, Any]]:
    """Run every action due at or before ``until``, earliest first: of the objects on the test
    clock ``clock_id``, or (None) of all others. Caller holds the lock."""
    done: list[dict[str, Any]] = []
    for _ in range(MAX_STEPS):
        action = next_due(rt, until, clock_id)
        if action is None:
            return done
        with rt.store.clock.frozen_at(max(action.at, 0)):
            HANDLERS[action.kind](rt, action.object_id)
        done.append({"at": action.at, "action": action.kind, "object": action.object_id})
    raise invalid(f"Stopped after {MAX_STEPS} billing steps; advance the clock in smaller steps.")


def advance(rt: Runtime, to: int) -> list[dict[str, Any]]:
    now = rt.now()
    if to < now:
        raise invalid(
            f"The clock only moves forward: {to} is before the current time {now}.", param="to"
        )
    done = process_due(rt, to)
    rt.store.clock.move_to(to)
    rt.store.mark_dirty()
    return done


# --- handlers -----------------------------------------------------------------------------


def _renew(rt: Runtime, sub_id: str) -> None:
    sub = rt.store.objects["subscription"][sub_id]
    before = rt.render(sub)
    if sub["status"] == "trialing" and not trials.end(rt, sub):
        return
    private = rt.store.private(sub_id)
    old_start, old_end = current_period(rt, sub)
    private["cycle"] = private.get("cycle", 1) + 1
    new_end = next_period_end(rt, sub, private["cycle"])
    items = subscription_items(rt, sub_id)
    for item in items:
        item.update(current_period_start=old_end, current_period_end=new_end)
    regular = [
        regular_line(
            rt, rt.store.get("price", i["price"]), i["quantity"], (old_end, new_end), i["id"]
        )
        for i in items
    ]
    if sub["cancel_at"] is not None and sub["cancel_at"] < new_end:
        # The last period ends early, at cancel_at: only that part of it is billed.
        fraction = (sub["cancel_at"] - old_end) / (new_end - old_end)
        for line in regular:
            line.amount = round(line.amount * fraction)
            line.period = (old_end, sub["cancel_at"])
            line.proration = True
    lines = [*pending_lines(rt, sub), *regular]
    customer = rt.store.require("customer", sub["customer"])
    invoice = create_invoice(
        rt,
        customer=customer,
        subscription=sub,
        billing_reason="subscription_cycle",
        lines=lines,
        period=(old_start, old_end),
        store=False,
    )
    sub["latest_invoice"] = invoice["id"]
    rt.store.mark_dirty()
    emit_updated(rt, "customer.subscription.updated", sub, before)
    rt.store.insert(invoice)
    rt.emit("invoice.created", invoice)
    _collect(rt, sub, invoice)


def _collect(rt: Runtime, sub: dict[str, Any], invoice: dict[str, Any]) -> None:
    pause = sub.get("pause_collection")
    if pause:
        behavior = pause["behavior"]
        if behavior == "keep_as_draft":
            invoice["auto_advance"] = False
            return
        finalize(rt, invoice)
        if invoice["status"] != "open":
            return
        if behavior == "void":
            void(rt, invoice)
        else:
            mark_uncollectible(rt, invoice, reason="subscription_paused")
        return
    finalize(rt, invoice)
    if invoice["status"] != "open":
        return
    if sub["status"] == "unpaid":
        # Stripe keeps invoicing unpaid subscriptions but stops trying to collect.
        invoice["auto_advance"] = False
        return
    charge_invoice(rt, invoice)


def _upcoming(rt: Runtime, sub_id: str) -> None:
    sub = rt.store.objects["subscription"][sub_id]
    _, end = current_period(rt, sub)
    rt.store.private(sub_id)["upcoming_sent"] = end
    rt.store.mark_dirty()
    rt.emit("invoice.upcoming", upcoming_invoice(rt, sub))


def upcoming_invoice(
    rt: Runtime,
    sub: dict[str, Any],
    extra: list[LineSpec] | None = None,
    items: list[tuple[dict[str, Any], int]] | None = None,
) -> dict[str, Any]:
    """The next renewal invoice as it would be created now (not stored), with ``extra``
    lines (a preview's ``invoice_items``) and, for a schedule's next phase, other ``items``
    (prices and quantities; a new interval starts its period at the renewal)."""
    start, end = current_period(rt, sub)
    private = rt.store.private(sub["id"])
    new_end = next_period_end(rt, sub, private.get("cycle", 1) + 1)
    current = subscription_items(rt, sub["id"])
    if items is None:
        billed = [(rt.store.get("price", i["price"]), i["quantity"], i["id"]) for i in current]
    else:
        ids = [i["id"] for i in current]
        billed = [
            (price, quantity, ids[n] if n < len(ids) else None)
            for n, (price, quantity) in enumerate(items)
        ]
        recurring = billed[0][0]["recurring"]
        if (recurring["interval"], recurring["interval_count"]) != (
            private["interval"],
            private["interval_count"],
        ):
            new_end = period_end(end, recurring["interval"], recurring["interval_count"], 1)
    lines = [
        *pending_lines(rt, sub),
        *(regular_line(rt, price, qty, (end, new_end), item) for price, qty, item in billed),
        *(extra or []),
    ]
    invoice = create_invoice(
        rt,
        customer=rt.store.require("customer", sub["customer"]),
        subscription=sub,
        billing_reason="upcoming",
        lines=lines,
        period=(start, end),
        store=False,
        invoice_id=preview_id(),
        preview=True,
    )
    invoice["id"] = None
    invoice["next_payment_attempt"] = end
    return invoice


def _retry(rt: Runtime, invoice_id: str) -> None:
    invoice = rt.store.objects["invoice"][invoice_id]
    sub = subscription_of(rt, invoice)
    if sub is not None and sub["status"] in {"canceled", "incomplete_expired"}:
        invoice.update(next_payment_attempt=None, auto_advance=False)
        return
    charge_invoice(rt, invoice)


def _cancel(rt: Runtime, sub_id: str) -> None:
    scheduled_cancel(rt, rt.store.objects["subscription"][sub_id])


def _expire_resumption(rt: Runtime, invoice_id: str) -> None:
    invoice = rt.store.objects["invoice"][invoice_id]
    sub = subscription_of(rt, invoice)
    if sub is not None and sub["status"] == "paused":
        expire_resumption(rt, invoice)
    else:
        rt.store.private(invoice_id).pop("resumption", None)


def _unpause(rt: Runtime, sub_id: str) -> None:
    sub = rt.store.objects["subscription"][sub_id]
    before = rt.render(sub)
    sub["pause_collection"] = None
    emit_updated(rt, "customer.subscription.updated", sub, before)


def _expire_incomplete(rt: Runtime, sub_id: str) -> None:
    sub = rt.store.objects["subscription"][sub_id]
    before = rt.render(sub)
    sub.update(status="incomplete_expired", ended_at=rt.now())
    for invoice in rt.store.all("invoice", lambda i: i["status"] == "open"):
        if subscription_of(rt, invoice) is sub:
            void(rt, invoice)
    emit_updated(rt, "customer.subscription.updated", sub, before)


def _expire_session(rt: Runtime, session_id: str) -> None:
    from fakestripe.checkout_flow import expire_session

    expire_session(rt, rt.store.objects["checkout.session"][session_id])


def _schedule_start(rt: Runtime, schedule_id: str) -> None:
    begin(rt, rt.store.objects["subscription_schedule"][schedule_id])


def _schedule_phase(rt: Runtime, schedule_id: str) -> None:
    cross_boundary(rt, rt.store.objects["subscription_schedule"][schedule_id])


def _discount_end(rt: Runtime, sub_id: str) -> None:
    end_expired(rt, rt.store.objects["subscription"][sub_id])


def _trial_will_end(rt: Runtime, sub_id: str) -> None:
    trials.send_notice(rt, rt.store.objects["subscription"][sub_id])


HANDLERS: dict[str, Callable[[Runtime, str], None]] = {
    "trial_will_end": _trial_will_end,
    "discount_end": _discount_end,
    "schedule_start": _schedule_start,
    "schedule_phase": _schedule_phase,
    "renew": _renew,
    "upcoming": _upcoming,
    "retry": _retry,
    "cancel": _cancel,
    "unpause": _unpause,
    "expire_incomplete": _expire_incomplete,
    "expire_session": _expire_session,
    "expire_resumption": _expire_resumption,
}


class Ticker:
    """Processes boundaries reached by real time passing (a long-running dev server)."""

    def __init__(self, rt: Runtime, interval: float) -> None:
        self.rt = rt
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.interval <= 0:
            return
        self._thread = threading.Thread(target=self._loop, name="fakestripe-ticker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                with self.rt.store.lock:
                    process_due(self.rt, self.rt.now())
            except Exception:
                log.exception("fakestripe: billing tick failed")
