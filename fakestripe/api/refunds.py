"""``/v1/refunds``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.charging import refund_charge
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.params import (
    Amount,
    Metadata,
    Str,
    apply_metadata,
    endpoint,
    list_endpoint,
    new_metadata,
)
from fakestripe.tracking import wanted

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("refunds", __name__)

CREATE = endpoint(
    {
        "charge": Str(max_length=255),
        "payment_intent": Str(max_length=255),
        "amount": Amount(minimum=1),
        "reason": Str(choices=("duplicate", "fraudulent", "requested_by_customer")),
        "metadata": Metadata(),
    },
    unsupported=(
        "customer",
        "currency",
        "origin",
        "instructions_email",
        "refund_application_fee",
        "reverse_transfer",
    ),
)


@api(bp, "/v1/refunds", "POST", CREATE)
def create_refund(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    if "charge" not in params and "payment_intent" not in params:
        raise invalid(
            "One of the following params should be provided for this request: charge or "
            "payment_intent.",
            param="charge",
            code="parameter_missing",
        )
    charge = None
    if "charge" in params:
        charge = rt.store.require("charge", params["charge"], param="charge", status=400)
    if "payment_intent" in params:
        pi = rt.store.require(
            "payment_intent", params["payment_intent"], param="payment_intent", status=400
        )
        if charge is not None and charge["payment_intent"] != pi["id"]:
            raise invalid(
                "The charge does not belong to this payment intent.", param="payment_intent"
            )
        if charge is None:
            charge = rt.store.get("charge", pi["latest_charge"])
            if charge is None or pi["status"] != "succeeded":
                raise invalid(
                    f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
                    param="payment_intent",
                    code="charge_not_refundable",
                )
    assert charge is not None
    refund = refund_charge(
        rt,
        charge,
        amount=params.get("amount"),
        reason=params.get("reason"),
        metadata=new_metadata(params.get("metadata")),
    )
    return rt.render(refund)


@api(bp, "/v1/refunds/<refund_id>", "GET", endpoint())
def retrieve_refund(rt: Runtime, params: dict[str, Any], refund_id: str) -> dict[str, Any]:
    return retrieve(rt, "refund", refund_id)


@api(bp, "/v1/refunds/<refund_id>", "POST", endpoint({"metadata": Metadata()}))
def update_refund(rt: Runtime, params: dict[str, Any], refund_id: str) -> dict[str, Any]:
    refund = rt.store.require("refund", refund_id)
    before = rt.render(refund)
    if "metadata" in params:
        refund["metadata"] = apply_metadata(refund["metadata"], params["metadata"])
    emit_updated(rt, "refund.updated", refund, before)
    return rt.render(refund)


LIST = list_endpoint({"charge": Str(max_length=255), "payment_intent": Str(max_length=255)})


@api(bp, "/v1/refunds", "GET", LIST)
def list_refunds(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    f = wanted(params, "charge", "payment_intent")
    items = rt.store.all("refund", lambda r: all(r[k] == v for k, v in f.items()))
    return paginate(rt, items, params, "/v1/refunds")
