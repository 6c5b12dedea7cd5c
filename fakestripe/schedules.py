"""Subscription schedules: a subscription's future as phases (change the price at the next
renewal, monthly -> annual at renewal, cancel after the last phase).

A phase boundary that falls on a renewal switches the items just before that renewal, so the
renewal invoice (``subscription_cycle``) bills the new phase; a new interval starts its period
there. A boundary inside a period is an ordinary price change, prorated per the phase's
``proration_behavior``. After the last phase the schedule is released (the subscription goes on
with the last phase's items) or, with ``end_behavior=cancel``, completed: the subscription's
``cancel_at`` is the end of the last phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fakestripe.changes import apply_change, plan_change
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.objects.billing import subscription_items
from fakestripe.objects.schedules import build_phase
from fakestripe.periods import period_end
from fakestripe.subscriptions import ItemSpec, current_period, interval_of

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


@dataclass
class PhaseSpec:
    """A phase as asked for: times may be missing (worked out by :func:`lay_out`)."""

    items: list[ItemSpec]
    start: int | None = None
    end: int | None = None
    duration: tuple[str, int] | None = None
    proration_behavior: str = "create_prorations"
    metadata: dict[str, str] | None = None
    description: str | None = None
    default_payment_method: str | None = None


def lay_out(rt: Runtime, specs: list[PhaseSpec], *, start: int) -> list[dict[str, Any]]:
    """Give every phase its start (the previous one's end) and end (``end_date``, or
    ``duration``, or one billing period of its prices for the last phase)."""
    phases = []
    for index, spec in enumerate(specs):
        path = f"phases[{index}]"
        if index and spec.start is not None and spec.start != start:
            raise invalid(
                "Only the first phase can have a start_date; each next phase starts when the "
                "previous one ends.",
                param=f"{path}[start_date]",
            )
        begin = spec.start if index == 0 and spec.start is not None else start
        interval, count = interval_of(spec.items[0].price)
        if spec.end is not None:
            end = spec.end
        elif spec.duration is not None:
            end = _after(begin, spec.duration)
        elif index == len(specs) - 1:
            end = period_end(begin, interval, count, 1)
        else:
            raise invalid(
                f"Missing required param: {path}[end_date] (or {path}[duration]).",
                param=f"{path}[end_date]",
                code="parameter_missing",
            )
        if end <= begin:
            raise invalid("A phase must end after it starts.", param=f"{path}[end_date]")
        phases.append(
            build_phase(
                start=begin,
                end=end,
                currency=spec.items[0].price["currency"],
                items=[
                    {"price": i.price["id"], "quantity": i.quantity, "metadata": i.metadata}
                    for i in spec.items
                ],
                proration_behavior=spec.proration_behavior,
                metadata=spec.metadata or {},
                description=spec.description,
                default_payment_method=spec.default_payment_method,
            )
        )
        start = end
    return phases


def _after(start: int, duration: tuple[str, int]) -> int:
    interval, count = duration
    return period_end(start, interval, count, 1)


def phase_at(schedule: dict[str, Any], at: int) -> int | None:
    for index, phase in enumerate(schedule["phases"]):
        if phase["start_date"] <= at < phase["end_date"]:
            return index
    return None


def phase_items(rt: Runtime, phase: dict[str, Any]) -> list[ItemSpec]:
    return [
        ItemSpec(rt.store.require("price", i["price"]), i["quantity"], dict(i["metadata"]))
        for i in phase["items"]
    ]


def attach(rt: Runtime, schedule: dict[str, Any], sub: dict[str, Any]) -> None:
    """``sub`` is now managed by ``schedule`` (and ends with it if ``end_behavior=cancel``)."""
    before = rt.render(sub)
    schedule.update(subscription=sub["id"], status="active")
    sub["schedule"] = schedule["id"]
    _sync_cancel_at(rt, schedule, sub)
    _set_current_phase(rt, schedule, phase_at(schedule, rt.now()))
    emit_updated(rt, "customer.subscription.updated", sub, before)


def _sync_cancel_at(rt: Runtime, schedule: dict[str, Any], sub: dict[str, Any]) -> None:
    from fakestripe.cancellation import set_cancel_at

    if schedule["end_behavior"] == "cancel" and schedule["phases"]:
        set_cancel_at(rt, sub, schedule["phases"][-1]["end_date"])
    elif sub["cancel_at"] is not None and sub["schedule"] == schedule["id"]:
        set_cancel_at(rt, sub, None)


def _set_current_phase(rt: Runtime, schedule: dict[str, Any], index: int | None) -> None:
    """The phase in effect (kept by index: the engine moves it on at each boundary)."""
    rt.store.private(schedule["id"])["phase"] = index
    phase = schedule["phases"][index] if index is not None else None
    schedule["current_phase"] = (
        {"start_date": phase["start_date"], "end_date": phase["end_date"]} if phase else None
    )


def replace_phases(
    rt: Runtime,
    schedule: dict[str, Any],
    phases: list[dict[str, Any]],
    *,
    proration_behavior: str | None,
) -> None:
    """An update: the new phases take over; if the current phase's items changed, the
    subscription changes now (prorated per ``proration_behavior`` or the phase's own)."""
    schedule["phases"] = phases
    sub = rt.store.get("subscription", schedule["subscription"])
    if sub is None:
        return
    _sync_cancel_at(rt, schedule, sub)
    now = rt.now()
    index = phase_at(schedule, now)
    if index is not None:
        phase = phases[index]
        if _differs(rt, sub, phase_items(rt, phase)):
            _change_now(rt, sub, phase, proration_behavior or phase["proration_behavior"])
    _set_current_phase(rt, schedule, index)


def _differs(rt: Runtime, sub: dict[str, Any], items: list[ItemSpec]) -> bool:
    current = [(i["price"], i["quantity"]) for i in subscription_items(rt, sub["id"])]
    return current != [(i.price["id"], i.quantity) for i in items]


def _item_specs(rt: Runtime, sub: dict[str, Any], items: list[ItemSpec]) -> list[dict[str, Any]]:
    """The phase's items laid over the subscription's, position by position: a price switch
    keeps the item (and its id), extra items are added or deleted."""
    existing = subscription_items(rt, sub["id"])
    specs: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        spec: dict[str, Any] = {"price": item.price["id"], "quantity": item.quantity}
        if index < len(existing):
            spec["id"] = existing[index]["id"]
        specs.append(spec)
    specs += [{"id": extra["id"], "deleted": True} for extra in existing[len(items) :]]
    return specs


def _change_now(rt: Runtime, sub: dict[str, Any], phase: dict[str, Any], behavior: str) -> None:
    plan = plan_change(
        rt,
        sub,
        _item_specs(rt, sub, phase_items(rt, phase)),
        proration_behavior=behavior,
        proration_date=None,
    )
    apply_change(rt, sub, plan, proration_behavior=behavior, before=rt.render(sub))


def next_boundary(rt: Runtime, schedule: dict[str, Any]) -> int | None:
    """When this active schedule next does something: the end of its current phase."""
    index = rt.store.private(schedule["id"]).get("phase")
    if index is None:
        return None
    return schedule["phases"][index]["end_date"]


def cross_boundary(rt: Runtime, schedule: dict[str, Any]) -> None:
    """The current phase ended (the clock is pinned to its end): enter the next phase, or
    finish the schedule."""
    now = rt.now()
    sub = rt.store.get("subscription", schedule["subscription"])
    current = rt.store.private(schedule["id"]).get("phase")
    index = current + 1 if current is not None and current + 1 < len(schedule["phases"]) else None
    if sub is None or sub["status"] in {"canceled", "incomplete_expired"}:
        _set_current_phase(rt, schedule, None)
        return
    if index is None:
        _set_current_phase(rt, schedule, None)
        finish(rt, schedule, sub)
        return
    phase = schedule["phases"][index]
    items = phase_items(rt, phase)
    _, end = current_period(rt, sub)
    if _differs(rt, sub, items):
        if end == now:
            _switch_for_renewal(rt, sub, items)
        else:
            _change_now(rt, sub, phase, phase["proration_behavior"])
    if phase["default_payment_method"]:
        sub["default_payment_method"] = phase["default_payment_method"]
    before = rt.render(schedule)
    _set_current_phase(rt, schedule, index)
    emit_updated(rt, "subscription_schedule.updated", schedule, before)


def _switch_for_renewal(rt: Runtime, sub: dict[str, Any], items: list[ItemSpec]) -> None:
    """At a renewal: the items take the new phase's prices now; the renewal that follows at
    this same moment bills them. A new interval starts its period here."""
    from fakestripe.objects.billing import build_subscription_item

    before = rt.render(sub)
    private = rt.store.private(sub["id"])
    existing = subscription_items(rt, sub["id"])
    start, end = current_period(rt, sub)
    for index, spec in enumerate(items):
        if index < len(existing):
            existing[index].update(price=spec.price["id"], quantity=spec.quantity)
        else:
            rt.store.insert(
                build_subscription_item(
                    rt,
                    subscription=sub["id"],
                    price=spec.price,
                    quantity=spec.quantity,
                    period_start=start,
                    period_end=end,
                    metadata=spec.metadata,
                )
            )
    for extra in existing[len(items) :]:
        rt.store.delete("subscription_item", extra["id"])
    interval = interval_of(items[0].price)
    if interval != (private["interval"], private["interval_count"]):
        sub["billing_cycle_anchor"] = end
        private.update(interval=interval[0], interval_count=interval[1], cycle=0)
    rt.store.mark_dirty()
    emit_updated(rt, "customer.subscription.updated", sub, before)


def finish(rt: Runtime, schedule: dict[str, Any], sub: dict[str, Any]) -> None:
    """After the last phase: ``release`` lets the subscription go on; ``cancel`` has ended it
    (its ``cancel_at`` was the end of the last phase)."""
    now = rt.now()
    if schedule["end_behavior"] == "cancel":
        schedule.update(status="completed", completed_at=now, current_phase=None)
        rt.emit("subscription_schedule.completed", schedule)
        return
    release(rt, schedule, preserve_cancel_date=True)


def release(rt: Runtime, schedule: dict[str, Any], *, preserve_cancel_date: bool) -> None:
    from fakestripe.cancellation import set_cancel_at

    sub = rt.store.get("subscription", schedule["subscription"])
    schedule.update(
        status="released",
        released_at=rt.now(),
        released_subscription=schedule["subscription"],
        subscription=None,
        current_phase=None,
    )
    if sub is not None:
        before = rt.render(sub)
        sub["schedule"] = None
        if not preserve_cancel_date and schedule["end_behavior"] == "cancel":
            set_cancel_at(rt, sub, None)
        emit_updated(rt, "customer.subscription.updated", sub, before)
    rt.store.mark_dirty()
    rt.emit("subscription_schedule.released", schedule)


def schedule_of(rt: Runtime, sub: dict[str, Any]) -> dict[str, Any] | None:
    return rt.store.get("subscription_schedule", sub.get("schedule"))


def subscription_ended(rt: Runtime, sub: dict[str, Any]) -> None:
    """The subscription was canceled: its schedule is canceled too (or completed, when that
    was the end it planned)."""
    schedule = schedule_of(rt, sub)
    if schedule is None or schedule["status"] not in {"active", "not_started"}:
        return
    now = rt.now()
    if schedule["end_behavior"] == "cancel" and now >= schedule["phases"][-1]["end_date"]:
        schedule.update(status="completed", completed_at=now, current_phase=None)
        rt.emit("subscription_schedule.completed", schedule)
        return
    schedule.update(status="canceled", canceled_at=now, current_phase=None)
    rt.emit("subscription_schedule.canceled", schedule)


def begin(rt: Runtime, schedule: dict[str, Any]) -> dict[str, Any]:
    """A schedule's start: its subscription is created from the first phase and its first
    invoice charged, as a subscription created through the API would be."""
    from fakestripe.invoicing import charge_invoice, default_payment_method
    from fakestripe.subscriptions import create_subscription

    customer = rt.store.require("customer", schedule["customer"])
    phase = schedule["phases"][0]
    pm_id = (
        phase["default_payment_method"] or schedule["default_settings"]["default_payment_method"]
    )
    sub, invoice = create_subscription(
        rt,
        customer=customer,
        items=phase_items(rt, phase),
        metadata=dict(phase["metadata"]),
        default_payment_method=pm_id,
        description=phase["description"] or schedule["default_settings"]["description"],
    )
    attach(rt, schedule, sub)
    pm = default_payment_method(rt, sub, customer)
    if invoice["status"] == "open" and pm is not None:
        charge_invoice(rt, invoice, pm=pm, automatic=False)
    return sub


def change_at_period_end(rt: Runtime, sub: dict[str, Any], items: list[ItemSpec]) -> dict[str, Any]:
    """Keep ``sub`` as it is until its period ends, then switch to ``items``: a schedule of
    two phases (made, or replaced), released after the second."""
    from fakestripe.objects.schedules import build_schedule

    start, end = current_period(rt, sub)
    now_items = [
        ItemSpec(rt.store.require("price", i["price"]), i["quantity"], dict(i["metadata"]))
        for i in subscription_items(rt, sub["id"])
    ]
    phases = lay_out(
        rt, [PhaseSpec(items=now_items, start=start, end=end), PhaseSpec(items=items)], start=start
    )
    schedule = schedule_of(rt, sub)
    if schedule is not None:
        before = rt.render(schedule)
        replace_phases(rt, schedule, phases, proration_behavior=None)
        emit_updated(rt, "subscription_schedule.updated", schedule, before)
        return schedule
    schedule = build_schedule(
        rt,
        customer=sub["customer"],
        end_behavior="release",
        metadata={},
        default_payment_method=sub["default_payment_method"],
        description=sub["description"],
    )
    schedule["phases"] = phases
    rt.store.insert(schedule)
    rt.emit("subscription_schedule.created", schedule)
    attach(rt, schedule, sub)
    return schedule
