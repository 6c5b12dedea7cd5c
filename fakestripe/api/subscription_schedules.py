"""``/v1/subscription_schedules`` (the behaviour is in :mod:`fakestripe.schedules`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.api.schedule_schema import CREATE, LIST, UPDATE
from fakestripe.cancellation import cancel_now
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.objects.billing import subscription_items
from fakestripe.objects.schedules import build_schedule
from fakestripe.params import (
    EMPTY,
    Bool,
    apply_metadata,
    endpoint,
    in_range,
    new_metadata,
)
from fakestripe.schedules import (
    PhaseSpec,
    attach,
    begin,
    lay_out,
    release,
    replace_phases,
)
from fakestripe.subscriptions import ItemSpec, current_period, interval_of, resolve_item_price
from fakestripe.tracking import touch, wanted

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("subscription_schedules", __name__)


def phase_specs(
    rt: Runtime, phases: list[dict[str, Any]], *, currency: str | None, now: int
) -> list[PhaseSpec]:
    if not phases:
        raise invalid("Missing required param: phases.", param="phases", code="parameter_missing")
    specs = []
    for index, phase in enumerate(phases):
        path = f"phases[{index}]"
        if not phase["items"]:
            raise invalid(f"{path}[items] cannot be empty.", param=f"{path}[items]")
        items: list[ItemSpec] = []
        for number, spec in enumerate(phase["items"]):
            want = {"currency": currency or phase.get("currency")}
            price = resolve_item_price(rt, want, spec, f"{path}[items][{number}]")
            currency = currency or price["currency"]
            items.append(
                ItemSpec(price, spec.get("quantity", 1), new_metadata(spec.get("metadata")))
            )
        if len({interval_of(i.price) for i in items}) > 1:
            raise invalid(
                "All prices in a phase must have the same interval.", param=f"{path}[items]"
            )
        if "end_date" in phase and "duration" in phase:
            raise invalid(
                "You may only specify one of these parameters: duration, end_date.",
                param=f"{path}[duration]",
                code="parameters_exclusive",
            )
        duration = phase.get("duration")
        if phase.get("default_payment_method"):
            rt.store.require(
                "payment_method",
                phase["default_payment_method"],
                param=f"{path}[default_payment_method]",
                status=400,
            )
        # Only what the stand-in implements gets this far (no taxes, charged automatically).
        touch(phase, "collection_method", "automatic_tax", "billing_cycle_anchor")
        specs.append(
            PhaseSpec(
                items=items,
                start=_moment(phase.get("start_date"), now),
                end=_moment(phase.get("end_date"), now),
                duration=(duration["interval"], duration.get("interval_count", 1))
                if duration
                else None,
                proration_behavior=phase.get("proration_behavior", "create_prorations"),
                metadata=new_metadata(phase.get("metadata")),
                description=None
                if phase.get("description") in {None, EMPTY}
                else phase["description"],
                default_payment_method=phase.get("default_payment_method"),
            )
        )
    return specs


def _moment(value: Any, now: int) -> int | None:
    return now if value == "now" else value


def _apply_default_settings(schedule: dict[str, Any], settings: dict[str, Any]) -> None:
    touch(settings, "collection_method", "automatic_tax", "billing_cycle_anchor")
    target = schedule["default_settings"]
    if "default_payment_method" in settings:
        target["default_payment_method"] = settings["default_payment_method"]
    if "description" in settings:
        value = settings["description"]
        target["description"] = None if value is EMPTY else value


@api(bp, "/v1/subscription_schedules", "POST", CREATE)
def create_schedule(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    touch(params, "billing_mode")
    now = rt.now()
    if "from_subscription" in params:
        return _from_subscription(rt, params)
    if "customer" not in params:
        raise invalid(
            "Missing required param: customer (or from_subscription).",
            param="customer",
            code="parameter_missing",
        )
    customer = rt.store.require("customer", params["customer"], param="customer", status=400)
    specs = phase_specs(rt, params.get("phases") or [], currency=None, now=now)
    start = _moment(params.get("start_date"), now)
    if specs[0].start is not None and start is not None and specs[0].start != start:
        raise invalid("start_date and phases[0][start_date] differ.", param="start_date")
    start = specs[0].start or start or now
    if start < now:
        raise invalid(
            "fakestripe does not backdate schedules: start_date must not be in the past.",
            param="start_date",
        )
    schedule = build_schedule(
        rt,
        customer=customer["id"],
        end_behavior=params.get("end_behavior", "release"),
        metadata=new_metadata(params.get("metadata")),
        default_payment_method=None,
        description=None,
    )
    _apply_default_settings(schedule, params.get("default_settings") or {})
    schedule["phases"] = lay_out(rt, specs, start=start)
    rt.store.insert(schedule)
    rt.emit("subscription_schedule.created", schedule)
    if start <= now:
        begin(rt, schedule)
    return rt.render(schedule)


def _from_subscription(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    others = set(params) - {"from_subscription", "billing_mode"}
    if others:
        raise invalid(
            "You cannot set other parameters together with from_subscription; update the "
            "schedule afterwards.",
            param=sorted(others)[0],
        )
    sub = rt.store.require(
        "subscription", params["from_subscription"], param="from_subscription", status=400
    )
    if sub["schedule"]:
        raise invalid(
            f"The subscription is already managed by the schedule {sub['schedule']}.",
            param="from_subscription",
        )
    if sub["status"] not in {"active", "past_due", "trialing", "unpaid"}:
        raise invalid(
            f"A subscription with status {sub['status']} cannot get a schedule.",
            param="from_subscription",
        )
    start, end = current_period(rt, sub)
    items = [
        ItemSpec(rt.store.require("price", i["price"]), i["quantity"], dict(i["metadata"]))
        for i in subscription_items(rt, sub["id"])
    ]
    schedule = build_schedule(
        rt,
        customer=sub["customer"],
        end_behavior="release",
        metadata={},
        default_payment_method=sub["default_payment_method"],
        description=sub["description"],
    )
    schedule["phases"] = lay_out(
        rt,
        [PhaseSpec(items=items, start=start, end=end, metadata=dict(sub["metadata"]))],
        start=start,
    )
    rt.store.insert(schedule)
    rt.emit("subscription_schedule.created", schedule)
    attach(rt, schedule, sub)
    return rt.render(schedule)


@api(bp, "/v1/subscription_schedules/<schedule_id>", "GET", endpoint())
def retrieve_schedule(rt: Runtime, params: dict[str, Any], schedule_id: str) -> dict[str, Any]:
    return retrieve(rt, "subscription_schedule", schedule_id)


def _open(schedule: dict[str, Any]) -> None:
    if schedule["status"] not in {"active", "not_started"}:
        raise invalid(
            f"You cannot update a subscription schedule that is {schedule['status']}.",
            param="schedule",
        )


@api(bp, "/v1/subscription_schedules/<schedule_id>", "POST", UPDATE)
def update_schedule(rt: Runtime, params: dict[str, Any], schedule_id: str) -> dict[str, Any]:
    schedule = rt.store.require("subscription_schedule", schedule_id)
    _open(schedule)
    now = rt.now()
    before = rt.render(schedule)
    phases = None
    if "phases" in params:
        current = schedule["current_phase"]
        sub = rt.store.get("subscription", schedule["subscription"])
        specs = phase_specs(
            rt, params["phases"], currency=sub["currency"] if sub else None, now=now
        )
        start = (
            specs[0].start
            if specs[0].start is not None
            else (current["start_date"] if current else schedule["phases"][0]["start_date"])
        )
        if current and start != current["start_date"]:
            raise invalid(
                "The first phase must start when the current phase started "
                f"({current['start_date']}); past phases cannot change.",
                param="phases[0][start_date]",
            )
        phases = lay_out(rt, specs, start=start)
    if "end_behavior" in params:
        schedule["end_behavior"] = params["end_behavior"]
    if "metadata" in params:
        schedule["metadata"] = apply_metadata(schedule["metadata"], params["metadata"])
    _apply_default_settings(schedule, params.get("default_settings") or {})
    behavior = params.get("proration_behavior")
    replace_phases(
        rt,
        schedule,
        phases if phases is not None else schedule["phases"],
        proration_behavior=behavior,
    )
    rt.store.mark_dirty()
    emit_updated(rt, "subscription_schedule.updated", schedule, before)
    return rt.render(schedule)


CANCEL = endpoint({"invoice_now": Bool(), "prorate": Bool()})


@api(bp, "/v1/subscription_schedules/<schedule_id>/cancel", "POST", CANCEL)
def cancel_schedule(rt: Runtime, params: dict[str, Any], schedule_id: str) -> dict[str, Any]:
    schedule = rt.store.require("subscription_schedule", schedule_id)
    _open(schedule)
    sub = rt.store.get("subscription", schedule["subscription"])
    if sub is not None and sub["status"] not in {"canceled", "incomplete_expired"}:
        # Canceling the subscription cancels the schedule (schedules.subscription_ended).
        cancel_now(
            rt,
            sub,
            reason="cancellation_requested",
            prorate=params.get("prorate", False),
            invoice_now=params.get("invoice_now", False),
        )
    else:
        touch(params, "prorate", "invoice_now")
        schedule.update(status="canceled", canceled_at=rt.now(), current_phase=None)
        rt.emit("subscription_schedule.canceled", schedule)
    rt.store.mark_dirty()
    return rt.render(schedule)


RELEASE = endpoint({"preserve_cancel_date": Bool()})


@api(bp, "/v1/subscription_schedules/<schedule_id>/release", "POST", RELEASE)
def release_schedule(rt: Runtime, params: dict[str, Any], schedule_id: str) -> dict[str, Any]:
    schedule = rt.store.require("subscription_schedule", schedule_id)
    if schedule["status"] != "active":
        raise invalid(
            f"You can only release an active schedule; this one is {schedule['status']}.",
            param="schedule",
        )
    release(rt, schedule, preserve_cancel_date=params.get("preserve_cancel_date", True))
    return rt.render(schedule)


@api(bp, "/v1/subscription_schedules", "GET", LIST)
def list_schedules(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    f = wanted(params, "customer")
    ranges = wanted(params, "canceled_at", "completed_at", "released_at")
    scheduled = params.get("scheduled")

    def keep(s: dict[str, Any]) -> bool:
        return (
            all(s[k] == v for k, v in f.items())
            and all(in_range(s[k], bounds) for k, bounds in ranges.items())
            and (scheduled is None or (s["status"] == "not_started") == scheduled)
        )

    return paginate(
        rt, rt.store.all("subscription_schedule", keep), params, "/v1/subscription_schedules"
    )
