"""``/v1/setup_intents`` (cards only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate
from fakestripe.charging import resolve_payment_method
from fakestripe.errors import invalid
from fakestripe.params import (
    EMPTY,
    Array,
    Bool,
    Metadata,
    Str,
    apply_metadata,
    endpoint,
    list_endpoint,
    new_metadata,
)
from fakestripe.setup import cancel, confirm_or_raise, create_setup_intent
from fakestripe.tracking import touch, wanted

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("setup_intents", __name__)


def _types() -> Array:
    return Array(Str(choices=("card",), refuse_others=True))


# Parameters for wallets, bank debits, mandates, Connect and client-side confirmation.
_NOT_IMPLEMENTED = (
    "attach_to_self",
    "customer_account",
    "excluded_payment_method_types",
    "flow_directions",
    "payment_method_configuration",
    "payment_method_data",
    "payment_method_options",
)

CREATE = endpoint(
    {
        "customer": Str(max_length=255),
        "payment_method": Str(max_length=255),
        "confirm": Bool(),
        "description": Str(max_length=1000),
        "metadata": Metadata(),
        "usage": Str(choices=("off_session", "on_session")),
        "allowed_payment_method_types": _types(),
    },
    unsupported=(
        *_NOT_IMPLEMENTED,
        "automatic_payment_methods",
        "confirmation_token",
        "mandate_data",
        "on_behalf_of",
        "return_url",
        "single_use",
        "use_stripe_sdk",
    ),
)


def _pm_for(rt: Runtime, si: dict[str, Any], value: str) -> dict[str, Any]:
    pm = resolve_payment_method(rt, value, param="payment_method")
    if pm["customer"] and si["customer"] and pm["customer"] != si["customer"]:
        raise invalid("The payment method belongs to another customer.", param="payment_method")
    return pm


@api(bp, "/v1/setup_intents", "POST", CREATE)
def create(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    touch(params, "allowed_payment_method_types")
    customer = params.get("customer")
    if customer:
        rt.store.require("customer", customer, param="customer", status=400)
    if params.get("confirm") and "payment_method" not in params:
        raise invalid(
            "Missing required param: payment_method.",
            param="payment_method",
            code="parameter_missing",
        )
    si = create_setup_intent(
        rt,
        customer=customer,
        description=params.get("description"),
        metadata=new_metadata(params.get("metadata")),
        usage=params.get("usage", "off_session"),
    )
    if "payment_method" in params:
        pm = _pm_for(rt, si, params["payment_method"])
        si.update(payment_method=pm["id"], status="requires_confirmation")
        if params.get("confirm"):
            confirm_or_raise(rt, si, pm)
    return rt.render(si)


@api(
    bp,
    "/v1/setup_intents/<si_id>",
    "GET",
    endpoint({"client_secret": Str(max_length=500)}),
)
def retrieve(rt: Runtime, params: dict[str, Any], si_id: str) -> dict[str, Any]:
    si = rt.store.require("setup_intent", si_id)
    secret = params.get("client_secret")
    if secret is not None and secret != si["client_secret"]:
        raise invalid(
            "The client_secret provided does not match the client_secret associated with the "
            "SetupIntent.",
            param="client_secret",
        )
    return rt.render(si)


UPDATE = endpoint(
    {
        "customer": Str(max_length=255),
        "payment_method": Str(max_length=255),
        "description": Str(max_length=1000, emptyable=True),
        "metadata": Metadata(),
        "allowed_payment_method_types": _types(),
    },
    unsupported=_NOT_IMPLEMENTED,
)


def _changeable(si: dict[str, Any]) -> None:
    if si["status"] in {"succeeded", "canceled"}:
        raise invalid(
            f"This SetupIntent has status {si['status']}; it cannot be changed.",
            param="intent",
            code="setup_intent_unexpected_state",
        )


@api(bp, "/v1/setup_intents/<si_id>", "POST", UPDATE)
def update(rt: Runtime, params: dict[str, Any], si_id: str) -> dict[str, Any]:
    si = rt.store.require("setup_intent", si_id)
    _changeable(si)
    touch(params, "allowed_payment_method_types")
    if "customer" in params:
        rt.store.require("customer", params["customer"], param="customer", status=400)
        si["customer"] = params["customer"]
    if "description" in params:
        si["description"] = None if params["description"] is EMPTY else params["description"]
    if "metadata" in params:
        si["metadata"] = apply_metadata(si["metadata"], params["metadata"])
    if "payment_method" in params:
        pm = _pm_for(rt, si, params["payment_method"])
        si.update(payment_method=pm["id"], status="requires_confirmation")
    rt.store.mark_dirty()
    return rt.render(si)


CONFIRM = endpoint(
    {"payment_method": Str(max_length=255)},
    unsupported=(
        "allowed_payment_method_types",
        "confirmation_token",
        "mandate_data",
        "payment_method_data",
        "payment_method_options",
        "return_url",
        "use_stripe_sdk",
    ),
)


@api(bp, "/v1/setup_intents/<si_id>/confirm", "POST", CONFIRM)
def confirm_route(rt: Runtime, params: dict[str, Any], si_id: str) -> dict[str, Any]:
    si = rt.store.require("setup_intent", si_id)
    _changeable(si)
    pm_id = params.get("payment_method") or si["payment_method"]
    if pm_id is None:
        raise invalid(
            "You cannot confirm this SetupIntent because it's missing a payment method.",
            param="payment_method",
            code="setup_intent_unexpected_state",
        )
    confirm_or_raise(rt, si, _pm_for(rt, si, pm_id))
    return rt.render(si)


CANCEL = endpoint(
    {"cancellation_reason": Str(choices=("abandoned", "duplicate", "requested_by_customer"))}
)


@api(bp, "/v1/setup_intents/<si_id>/cancel", "POST", CANCEL)
def cancel_route(rt: Runtime, params: dict[str, Any], si_id: str) -> dict[str, Any]:
    si = rt.store.require("setup_intent", si_id)
    _changeable(si)
    cancel(rt, si, params.get("cancellation_reason"))
    return rt.render(si)


LIST = list_endpoint(
    {"customer": Str(max_length=255), "payment_method": Str(max_length=255)},
    unsupported=("attach_to_self", "customer_account"),
)


@api(bp, "/v1/setup_intents", "GET", LIST)
def list_setup_intents(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    f = wanted(params, "customer", "payment_method")
    items = rt.store.all("setup_intent", lambda s: all(s[k] == v for k, v in f.items()))
    return paginate(rt, items, params, "/v1/setup_intents")
