"""``/v1/customers``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.balance import record
from fakestripe.charging import attach, resolve_payment_method
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.objects.customers import address_from, build_customer
from fakestripe.params import (
    EMPTY,
    Array,
    Email,
    Hash,
    Int,
    Metadata,
    Str,
    apply_metadata,
    endpoint,
    list_endpoint,
)

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("customers", __name__)

_UNSUPPORTED = (
    "business_name",
    "cash_balance",
    "individual_name",
    "next_invoice_sequence",
    "shipping",
    "source",
    "tax",
    "validate",
)


def _address(emptyable: bool) -> Hash:
    return Hash(
        {
            k: Str(max_length=200)
            for k in ("city", "country", "line1", "line2", "postal_code", "state")
        },
        emptyable=emptyable,
    )


def _fields(update: bool) -> dict[str, Any]:
    return {
        "email": Email(emptyable=update),
        "name": Str(max_length=256, emptyable=update),
        "description": Str(max_length=350, emptyable=update),
        "phone": Str(max_length=20, emptyable=update),
        "metadata": Metadata(),
        "address": _address(emptyable=update),
        "invoice_settings": Hash(
            {
                "default_payment_method": Str(max_length=255, emptyable=True),
                "footer": Str(max_length=5000, emptyable=True),
            },
            unsupported=("custom_fields", "rendering_options"),
        ),
        "preferred_locales": Array(Str(max_length=20), max_items=10),
        "tax_exempt": Str(choices=("none", "exempt", "reverse")),
        "balance": Int(minimum=-99_999_999, maximum=99_999_999),
        "invoice_prefix": Str(
            max_length=12,
            pattern=r"[A-Z0-9]{3,12}",
            pattern_hint="must be 3-12 uppercase letters or digits",
        ),
    }


CREATE = endpoint(
    {
        **_fields(update=False),
        "payment_method": Str(max_length=255),
        "test_clock": Str(max_length=255),
    },
    unsupported=(*_UNSUPPORTED, "tax_id_data"),
)


@api(bp, "/v1/customers", "POST", CREATE)
def create_customer(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    pm = None
    if params.get("payment_method"):
        pm = resolve_payment_method(rt, params["payment_method"], param="payment_method")
        if pm["customer"]:
            raise invalid(
                "The payment method you provided has already been attached to a customer.",
                param="payment_method",
            )
    default_pm = (params.get("invoice_settings") or {}).get("default_payment_method")
    if default_pm:
        if pm is not None and default_pm == params["payment_method"]:
            params["invoice_settings"]["default_payment_method"] = pm["id"]
        else:
            rt.store.require(
                "payment_method",
                default_pm,
                param="invoice_settings[default_payment_method]",
                status=400,
            )
    clock = params.get("test_clock")
    if clock is not None:
        rt.store.require("test_helpers.test_clock", clock, param="test_clock", status=400)
    customer = build_customer(rt, params)
    customer["test_clock"] = clock
    rt.store.insert(customer)
    if params.get("balance"):
        record(rt, customer, params["balance"], kind="initial")
    rt.emit("customer.created", customer)
    if pm is not None:
        attach(rt, pm, customer["id"])
    return rt.render(customer)


@api(bp, "/v1/customers/<customer_id>", "GET", endpoint())
def retrieve_customer(rt: Runtime, params: dict[str, Any], customer_id: str) -> dict[str, Any]:
    deleted = (
        rt.store.private(customer_id).get("deleted") if customer_id in rt.store.internal else None
    )
    if deleted:
        return {"id": customer_id, "object": "customer", "deleted": True}
    return retrieve(rt, "customer", customer_id)


UPDATE = endpoint(_fields(update=True), unsupported=(*_UNSUPPORTED, "default_source"))


@api(bp, "/v1/customers/<customer_id>", "POST", UPDATE)
def update_customer(rt: Runtime, params: dict[str, Any], customer_id: str) -> dict[str, Any]:
    customer = rt.store.require("customer", customer_id)
    settings = params.get("invoice_settings") or {}
    default_pm = settings.get("default_payment_method")
    if default_pm:
        pm = resolve_payment_method(
            rt, default_pm, param="invoice_settings[default_payment_method]"
        )
        if pm["customer"] != customer_id:
            raise invalid(
                f"The customer does not have a payment method with the ID {default_pm}. The "
                "payment method must be attached to the customer.",
                param="invoice_settings[default_payment_method]",
            )
    before = rt.render(customer)
    for key, value in params.items():
        if key == "metadata":
            customer["metadata"] = apply_metadata(customer["metadata"], value)
        elif key == "invoice_settings":
            for sub_key, sub_value in value.items():
                customer["invoice_settings"][sub_key] = None if sub_value is EMPTY else sub_value
        elif key == "address":
            customer["address"] = None if value is EMPTY else address_from(value)
        elif key == "balance":
            if value != customer["balance"]:
                record(rt, customer, value - customer["balance"], kind="adjustment")
        else:
            customer[key] = None if value is EMPTY else value
    emit_updated(rt, "customer.updated", customer, before)
    rt.store.mark_dirty()
    return rt.render(customer)


LIST = list_endpoint({"email": Str(max_length=512), "test_clock": Str(max_length=255)})


@api(bp, "/v1/customers", "GET", LIST)
def list_customers(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    email, clock = params.get("email"), params.get("test_clock")
    # Stripe's email filter is case-sensitive.
    items = rt.store.all(
        "customer",
        lambda c: (
            (email is None or c["email"] == email) and (clock is None or c["test_clock"] == clock)
        ),
    )
    return paginate(rt, items, params, "/v1/customers")


@api(bp, "/v1/customers/<customer_id>", "DELETE", endpoint(expand=False))
def delete_customer(rt: Runtime, params: dict[str, Any], customer_id: str) -> dict[str, Any]:
    return remove_customer(rt, rt.store.require("customer", customer_id))


def remove_customer(rt: Runtime, customer: dict[str, Any]) -> dict[str, Any]:
    """Delete a customer, cancelling its subscriptions first."""
    from fakestripe.cancellation import cancel_now

    customer_id = customer["id"]
    for sub in rt.store.all("subscription", lambda s: s["customer"] == customer_id):
        if sub["status"] not in {"canceled", "incomplete_expired"}:
            cancel_now(rt, sub, reason="cancellation_requested")
    rendered = rt.render(customer)
    rt.store.delete("customer", customer_id)
    rt.store.private(customer_id)["deleted"] = True
    rt.emit("customer.deleted", rendered)
    return {"id": customer_id, "object": "customer", "deleted": True}
