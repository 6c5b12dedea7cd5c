"""``/v1/invoices`` and ``/v1/invoice_payments`` (previews are in :mod:`.previews`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.api.checkout import page_of
from fakestripe.charging import decline_error, resolve_payment_method
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.invoicing import (
    charge_invoice,
    finalize,
    mark_paid,
    mark_uncollectible,
    subscription_id_of,
    void,
)
from fakestripe.params import (
    EMPTY,
    Bool,
    Hash,
    Metadata,
    Range,
    Str,
    apply_metadata,
    endpoint,
    in_range,
    list_endpoint,
)
from fakestripe.tracking import wanted

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("invoices", __name__)


@api(bp, "/v1/invoices/<invoice_id>", "GET", endpoint())
def retrieve_invoice(rt: Runtime, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    return retrieve(rt, "invoice", invoice_id)


LIST = list_endpoint(
    {
        "customer": Str(max_length=255),
        "subscription": Str(max_length=255),
        "status": Str(choices=("draft", "open", "paid", "uncollectible", "void")),
        "collection_method": Str(choices=("charge_automatically", "send_invoice")),
        "due_date": Range(),
    },
    unsupported=("customer_account",),
)


@api(bp, "/v1/invoices", "GET", LIST)
def list_invoices(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    f = wanted(params, "customer", "status", "collection_method")
    sub_id, due = params.get("subscription"), params.get("due_date")

    def keep(inv: dict[str, Any]) -> bool:
        return (
            all(inv[k] == v for k, v in f.items())
            and (sub_id is None or subscription_id_of(inv) == sub_id)
            # Automatically charged invoices have no due date.
            and in_range(inv["due_date"], due)
        )

    return paginate(rt, rt.store.all("invoice", keep), params, "/v1/invoices")


UPDATE = endpoint(
    {
        "metadata": Metadata(),
        "description": Str(max_length=1500, emptyable=True),
        "footer": Str(max_length=5000, emptyable=True),
        "auto_advance": Bool(),
    },
    unsupported=(
        "account_tax_ids",
        "application_fee_amount",
        "automatic_tax",
        "automatically_finalizes_at",
        "collection_method",
        "custom_fields",
        "days_until_due",
        "default_payment_method",
        "default_source",
        "default_tax_rates",
        "discounts",
        "due_date",
        "effective_at",
        "issuer",
        "number",
        "on_behalf_of",
        "payment_settings",
        "rendering",
        "shipping_cost",
        "shipping_details",
        "statement_descriptor",
        "transfer_data",
    ),
)


@api(bp, "/v1/invoices/<invoice_id>", "POST", UPDATE)
def update_invoice(rt: Runtime, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = rt.store.require("invoice", invoice_id)
    before = rt.render(invoice)
    for key, value in params.items():
        if key == "metadata":
            invoice["metadata"] = apply_metadata(invoice["metadata"], value)
        else:
            invoice[key] = None if value is EMPTY else value
    emit_updated(rt, "invoice.updated", invoice, before)
    rt.store.mark_dirty()
    return rt.render(invoice)


PAY = endpoint(
    {
        "payment_method": Str(max_length=255),
        "off_session": Bool(),
        "paid_out_of_band": Bool(),
    },
    # `forgive` is about sources with partial funds, which cards are not.
    unsupported=("mandate", "source", "forgive"),
)


@api(bp, "/v1/invoices/<invoice_id>/pay", "POST", PAY)
def pay_invoice(rt: Runtime, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = rt.store.require("invoice", invoice_id)
    if invoice["status"] == "paid":
        raise invalid("Invoice is already paid", param="invoice", code="invoice_already_paid")
    # An uncollectible invoice can still be paid; a void one cannot.
    if invoice["status"] == "void":
        raise invalid("This invoice is void and cannot be paid.", param="invoice")
    if invoice["status"] == "draft":
        finalize(rt, invoice)
        if invoice["status"] == "paid":
            return rt.render(invoice)
    if params.get("paid_out_of_band"):
        mark_paid(rt, invoice, out_of_band=True)
        return rt.render(invoice)
    pm = None
    if "payment_method" in params:
        pm = resolve_payment_method(rt, params["payment_method"], param="payment_method")
    decline = charge_invoice(
        rt, invoice, pm=pm, off_session=params.get("off_session", True), automatic=False
    )
    if decline is not None:
        raise decline_error(decline)
    return rt.render(invoice)


@api(bp, "/v1/invoices/<invoice_id>/finalize", "POST", endpoint({"auto_advance": Bool()}))
def finalize_invoice(rt: Runtime, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = rt.store.require("invoice", invoice_id)
    if invoice["status"] != "draft":
        raise invalid(
            "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
            param="invoice",
        )
    if "auto_advance" in params:
        invoice["auto_advance"] = params["auto_advance"]
    finalize(rt, invoice)
    return rt.render(invoice)


@api(bp, "/v1/invoices/<invoice_id>/void", "POST", endpoint())
def void_invoice(rt: Runtime, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = rt.store.require("invoice", invoice_id)
    void(rt, invoice)
    return rt.render(invoice)


@api(bp, "/v1/invoices/<invoice_id>/mark_uncollectible", "POST", endpoint())
def uncollectible(rt: Runtime, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = rt.store.require("invoice", invoice_id)
    mark_uncollectible(rt, invoice, reason="user_forgiven")
    return rt.render(invoice)


@api(bp, "/v1/invoices/<invoice_id>/lines", "GET", list_endpoint(created=False))
def list_lines(rt: Runtime, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = rt.store.require("invoice", invoice_id)
    return page_of(invoice["lines"]["data"], params, f"/v1/invoices/{invoice_id}/lines")


PAYMENTS_LIST = list_endpoint(
    {
        "invoice": Str(max_length=255),
        "payment": Hash(
            {
                "type": Str(choices=("payment_intent", "payment_record")),
                "payment_intent": Str(max_length=255),
            },
            required=("type",),
            unsupported=("payment_record",),
        ),
        "status": Str(choices=("canceled", "open", "paid")),
    }
)


@api(bp, "/v1/invoice_payments", "GET", PAYMENTS_LIST)
def list_invoice_payments(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    payment = wanted(params.get("payment") or {}, "type", "payment_intent")
    f = wanted(params, "invoice", "status")

    def keep(p: dict[str, Any]) -> bool:
        return all(p[k] == v for k, v in f.items()) and all(
            p["payment"].get(k) == v for k, v in payment.items()
        )

    return paginate(rt, rt.store.all("invoice_payment", keep), params, "/v1/invoice_payments")


@api(bp, "/v1/invoice_payments/<payment_id>", "GET", endpoint())
def retrieve_invoice_payment(
    rt: Runtime, params: dict[str, Any], payment_id: str
) -> dict[str, Any]:
    return retrieve(rt, "invoice_payment", payment_id)
