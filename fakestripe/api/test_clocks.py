"""``/v1/test_helpers/test_clocks`` (the model is in :mod:`fakestripe.test_clocks`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.errors import invalid
from fakestripe.fixtures import blank
from fakestripe.ids import new_id
from fakestripe.params import Int, Str, endpoint, list_endpoint
from fakestripe.periods import DAY
from fakestripe.test_clocks import advancing, check_target

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("test_clocks", __name__)

KIND = "test_helpers.test_clock"
# Stripe deletes a test clock 30 days after it was made (not enforced here).
LIFETIME = 30 * DAY

CREATE = endpoint(
    {"frozen_time": Int(minimum=0), "name": Str(max_length=300)},
    required=("frozen_time",),
    unsupported=("customer",),
)


@api(bp, "/v1/test_helpers/test_clocks", "POST", CREATE)
def create_clock(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    clock = blank(KIND)
    now = rt.now()
    clock.update(
        id=new_id("clock"),
        created=now,
        deletes_after=now + LIFETIME,
        frozen_time=params["frozen_time"],
        name=params.get("name"),
        status="ready",
        status_details={},
    )
    rt.store.insert(clock)
    rt.emit("test_helpers.test_clock.created", clock)
    return rt.render(clock)


@api(bp, "/v1/test_helpers/test_clocks/<clock_id>", "GET", endpoint())
def retrieve_clock(rt: Runtime, params: dict[str, Any], clock_id: str) -> dict[str, Any]:
    return retrieve(rt, KIND, clock_id)


@api(bp, "/v1/test_helpers/test_clocks", "GET", list_endpoint(created=False))
def list_clocks(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    return paginate(rt, rt.store.all(KIND), params, "/v1/test_helpers/test_clocks")


ADVANCE = endpoint({"frozen_time": Int(minimum=0)}, required=("frozen_time",))


@api(bp, "/v1/test_helpers/test_clocks/<clock_id>/advance", "POST", ADVANCE)
def advance_clock(rt: Runtime, params: dict[str, Any], clock_id: str) -> dict[str, Any]:
    from fakestripe.billing_engine import process_due

    clock = rt.store.require(KIND, clock_id)
    to = params["frozen_time"]
    check_target(clock, to)
    with advancing(rt, clock, to):
        # Stripe answers while the clock is still advancing; the work is done by the time
        # anyone looks again (a retrieve shows `ready`).
        answer = rt.render(clock)
        process_due(rt, to, clock_id)
    return answer


@api(bp, "/v1/test_helpers/test_clocks/<clock_id>", "DELETE", endpoint(expand=False))
def delete_clock(rt: Runtime, params: dict[str, Any], clock_id: str) -> dict[str, Any]:
    from fakestripe.api.customers import remove_customer

    clock = rt.store.require(KIND, clock_id)
    if clock["status"] != "ready":
        raise invalid(f"The test clock {clock_id} is {clock['status']}.", param="test_clock")
    # Everything on the clock goes with it: its customers (and their subscriptions).
    for customer in rt.store.all("customer", lambda c: c.get("test_clock") == clock_id):
        remove_customer(rt, customer)
    rendered = rt.render(clock)
    rt.store.delete(KIND, clock_id)
    rt.emit("test_helpers.test_clock.deleted", rendered)
    return {"id": clock_id, "object": KIND, "deleted": True}
