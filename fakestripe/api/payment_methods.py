"""``/v1/payment_methods`` (card payment methods only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.charging import attach, resolve_payment_method
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.params import Metadata, Str, apply_metadata, endpoint, list_endpoint

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("payment_methods", __name__)


@api(bp, "/v1/payment_methods/<pm_id>", "GET", endpoint())
def retrieve_payment_method(rt: Runtime, params: dict[str, Any], pm_id: str) -> dict[str, Any]:
    return retrieve(rt, "payment_method", pm_id)


ATTACH = endpoint(
    {"customer": Str(max_length=255)}, required=("customer",), unsupported=("customer_account",)
)


@api(bp, "/v1/payment_methods/<pm_id>/attach", "POST", ATTACH)
def attach_payment_method(rt: Runtime, params: dict[str, Any], pm_id: str) -> dict[str, Any]:
    customer = rt.store.require("customer", params["customer"], param="customer", status=400)
    # A magic test id (pm_card_visa) becomes a fresh payment method, as at Stripe.
    pm = resolve_payment_method(rt, pm_id, param="payment_method")
    attach(rt, pm, customer["id"])
    return rt.render(pm)


@api(bp, "/v1/payment_methods/<pm_id>/detach", "POST", endpoint())
def detach_payment_method(rt: Runtime, params: dict[str, Any], pm_id: str) -> dict[str, Any]:
    pm = rt.store.require("payment_method", pm_id)
    if pm["customer"] is None:
        raise invalid(
            "The payment method you provided is not attached to a customer so detachment is "
            "impossible.",
            param="payment_method",
            code="payment_method_unexpected_state",
        )
    pm["customer"] = None
    rt.store.mark_dirty()
    rt.emit("payment_method.detached", pm)
    return rt.render(pm)


UPDATE = endpoint(
    {"metadata": Metadata()},
    unsupported=("billing_details", "card", "allow_redisplay", "us_bank_account"),
)


@api(bp, "/v1/payment_methods/<pm_id>", "POST", UPDATE)
def update_payment_method(rt: Runtime, params: dict[str, Any], pm_id: str) -> dict[str, Any]:
    pm = rt.store.require("payment_method", pm_id)
    before = rt.render(pm)
    if "metadata" in params:
        pm["metadata"] = apply_metadata(pm["metadata"], params["metadata"])
    emit_updated(rt, "payment_method.updated", pm, before)
    return rt.render(pm)


def _card_only() -> Str:
    return Str(choices=("card",), refuse_others=True)


LIST = list_endpoint(
    {"customer": Str(max_length=255), "type": _card_only()},
    created=False,
    unsupported=("allow_redisplay", "customer_account"),
)


@api(bp, "/v1/payment_methods", "GET", LIST)
def list_payment_methods(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    customer, type_ = params.get("customer"), params.get("type")
    items = rt.store.all(
        "payment_method",
        lambda p: (
            (customer is None or p["customer"] == customer)
            and (type_ is None or p["type"] == type_)
        ),
    )
    return paginate(rt, items, params, "/v1/payment_methods")


CUSTOMER_LIST = list_endpoint(
    {"type": _card_only()}, created=False, unsupported=("allow_redisplay",)
)


@api(bp, "/v1/customers/<customer_id>/payment_methods", "GET", CUSTOMER_LIST)
def list_customer_payment_methods(
    rt: Runtime, params: dict[str, Any], customer_id: str
) -> dict[str, Any]:
    rt.store.require("customer", customer_id)
    type_ = params.get("type")
    items = rt.store.all(
        "payment_method",
        lambda p: p["customer"] == customer_id and (type_ is None or p["type"] == type_),
    )
    return paginate(rt, items, params, f"/v1/customers/{customer_id}/payment_methods")
