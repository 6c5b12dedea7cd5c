"""``/v1/webhook_endpoints``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe import API_VERSION
from fakestripe.api.base import api, paginate, retrieve
from fakestripe.errors import invalid
from fakestripe.events import EVENT_TYPES
from fakestripe.ids import secret
from fakestripe.objects.misc import build_webhook_endpoint
from fakestripe.params import (
    EMPTY,
    Array,
    Bool,
    Metadata,
    Str,
    Url,
    apply_metadata,
    endpoint,
    list_endpoint,
    new_metadata,
)

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("webhook_endpoints", __name__)


def _event_types() -> Array:
    # Stripe has hundreds of event types; subscribing to one the stand-in never sends would
    # silently never fire, so those are refused.
    return Array(Str(choices=("*", *EVENT_TYPES), refuse_others=True), max_items=300)


CREATE = endpoint(
    {
        "url": Url(),
        "enabled_events": _event_types(),
        "description": Str(max_length=5000),
        "metadata": Metadata(),
        # Events are only ever rendered in the stand-in's own version.
        "api_version": Str(choices=(API_VERSION,), refuse_others=True),
    },
    required=("url", "enabled_events"),
    unsupported=("connect",),
)


def _check_events(events: list[str]) -> None:
    if not events:
        raise invalid(
            "Missing required param: enabled_events.",
            param="enabled_events",
            code="parameter_missing",
        )


@api(bp, "/v1/webhook_endpoints", "POST", CREATE)
def create_webhook_endpoint(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    _check_events(params["enabled_events"])
    endpoint_obj = build_webhook_endpoint(
        rt,
        url=params["url"],
        enabled_events=params["enabled_events"],
        description=params.get("description"),
        metadata=new_metadata(params.get("metadata")),
        api_version=params.get("api_version"),
    )
    rt.store.insert(endpoint_obj)
    signing_secret = secret("whsec")
    rt.store.private(endpoint_obj["id"]).update(secret=signing_secret, source="api")
    # The signing secret is only ever shown in the creation response, as at Stripe.
    return {**rt.render(endpoint_obj), "secret": signing_secret}


@api(bp, "/v1/webhook_endpoints/<endpoint_id>", "GET", endpoint())
def retrieve_webhook_endpoint(
    rt: Runtime, params: dict[str, Any], endpoint_id: str
) -> dict[str, Any]:
    return retrieve(rt, "webhook_endpoint", endpoint_id)


UPDATE = endpoint(
    {
        "url": Url(),
        "enabled_events": _event_types(),
        "description": Str(max_length=5000, emptyable=True),
        "metadata": Metadata(),
        "disabled": Bool(),
    }
)


@api(bp, "/v1/webhook_endpoints/<endpoint_id>", "POST", UPDATE)
def update_webhook_endpoint(
    rt: Runtime, params: dict[str, Any], endpoint_id: str
) -> dict[str, Any]:
    endpoint_obj = rt.store.require("webhook_endpoint", endpoint_id)
    if "enabled_events" in params:
        _check_events(params["enabled_events"])
    for key, value in params.items():
        if key == "metadata":
            endpoint_obj["metadata"] = apply_metadata(endpoint_obj["metadata"], value)
        elif key == "disabled":
            endpoint_obj["status"] = "disabled" if value else "enabled"
        else:
            endpoint_obj[key] = None if value is EMPTY else value
    rt.store.mark_dirty()
    return rt.render(endpoint_obj)


@api(bp, "/v1/webhook_endpoints", "GET", list_endpoint(created=False))
def list_webhook_endpoints(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    return paginate(rt, rt.store.all("webhook_endpoint"), params, "/v1/webhook_endpoints")


@api(bp, "/v1/webhook_endpoints/<endpoint_id>", "DELETE", endpoint(expand=False))
def delete_webhook_endpoint(
    rt: Runtime, params: dict[str, Any], endpoint_id: str
) -> dict[str, Any]:
    rt.store.require("webhook_endpoint", endpoint_id)
    rt.store.delete("webhook_endpoint", endpoint_id)
    return {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}
