"""Test clocks (``/v1/test_helpers/test_clocks``), as in Stripe's test mode: a clock has its own
frozen time; customers created on it, and everything of theirs (subscriptions, invoices,
payments, checkout sessions, portal sessions, schedules), live in that time. A request about
such an object runs with the clock's time as "now"; the virtual clock of the control API moves
everything else and leaves clock objects alone; advancing a clock processes its objects'
renewals, retries and the rest up to the new time, in order, as the control API's advance does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from fakestripe.errors import invalid

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from fakestripe.runtime import Runtime

# Top-level parameters that name an object whose customer may be on a clock.
OWNER_PARAMS = (
    "customer",
    "subscription",
    "invoice",
    "from_subscription",
    "schedule",
    "charge",
    "payment_intent",
    "test_clock",
)


def clock_of(rt: Runtime, obj: dict[str, Any] | None) -> str | None:
    """The test clock ``obj`` lives on (through its customer), if any."""
    if obj is None:
        return None
    kind = obj.get("object")
    if kind == "test_helpers.test_clock":
        return obj["id"]
    if kind == "customer":
        return obj.get("test_clock")
    customer = obj.get("customer")
    if isinstance(customer, str):
        return clock_of(rt, rt.store.get("customer", customer))
    if kind == "subscription_item":
        return clock_of(rt, rt.store.get("subscription", obj["subscription"]))
    return None


def clock_for(rt: Runtime, values: Iterable[Any]) -> dict[str, Any] | None:
    """The first test clock any of these ids leads to."""
    for value in values:
        if isinstance(value, str) and value:
            clock_id = clock_of(rt, rt.store.find(value))
            if clock_id is not None:
                return rt.store.get("test_helpers.test_clock", clock_id)
    return None


def scope(rt: Runtime, clock: dict[str, Any] | None) -> AbstractContextManager[None]:
    """Run with the clock's frozen time as "now" (nothing for objects on no clock)."""
    if clock is None:
        return nullcontext()
    return rt.store.clock.frozen_at(clock["frozen_time"])


def request_clock(
    rt: Runtime, path_args: dict[str, Any], raw: dict[str, Any]
) -> dict[str, Any] | None:
    return clock_for(rt, [*path_args.values(), *(raw.get(k) for k in OWNER_PARAMS)])


def owns_action(rt: Runtime, object_id: str, clock_id: str | None) -> bool:
    """Whether a time-driven action on ``object_id`` belongs to ``clock_id`` (None: to the
    control API's clock)."""
    return clock_of(rt, rt.store.find(object_id)) == clock_id


@contextmanager
def advancing(rt: Runtime, clock: dict[str, Any], to: int) -> Iterator[None]:
    """``advancing`` while the clock's objects catch up with ``to``, then ``ready``."""
    clock.update(status="advancing", status_details={"advancing": {"target_frozen_time": to}})
    rt.emit("test_helpers.test_clock.advancing", clock)
    yield
    clock.update(frozen_time=to, status="ready", status_details={})
    rt.store.mark_dirty()
    with rt.store.clock.frozen_at(to):
        rt.emit("test_helpers.test_clock.ready", clock)


def check_target(clock: dict[str, Any], to: int) -> None:
    if clock["status"] != "ready":
        raise invalid(f"The test clock {clock['id']} is {clock['status']}.", param="test_clock")
    if to <= clock["frozen_time"]:
        raise invalid(
            "The frozen_time must be after the test clock's current frozen_time "
            f"({clock['frozen_time']}).",
            param="frozen_time",
        )
