"""``/v1/events``."""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.errors import invalid
from fakestripe.params import Array, Bool, Str, endpoint, list_endpoint

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("events", __name__)


@api(bp, "/v1/events/<event_id>", "GET", endpoint())
def retrieve_event(rt: Runtime, params: dict[str, Any], event_id: str) -> dict[str, Any]:
    return retrieve(rt, "event", event_id)


LIST = list_endpoint(
    {
        "type": Str(max_length=100),
        "types": Array(Str(max_length=100), max_items=20),
        "delivery_success": Bool(),
    }
)


@api(bp, "/v1/events", "GET", LIST)
def list_events(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    if "type" in params and "types" in params:
        raise invalid(
            "You may only specify one of these parameters: type, types.",
            param="types",
            code="parameters_exclusive",
        )
    patterns = [params["type"]] if "type" in params else params.get("types")
    delivered = params.get("delivery_success")

    def keep(event: dict[str, Any]) -> bool:
        # "customer.*" style wildcards, as Stripe allows in the type filter.
        if patterns and not any(fnmatch.fnmatchcase(event["type"], p) for p in patterns):
            return False
        if delivered is not None:
            all_delivered = event["pending_webhooks"] == 0
            return all_delivered == delivered
        return True

    return paginate(rt, rt.store.all("event", keep), params, "/v1/events")
