"""``/v1/invoices`` (including ``create_preview``) and ``/v1/invoice_payments``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.api.checkout import page_of
from fakestripe.api.subscriptions import PRORATION_BEHAVIORS
from fakestripe.api.subscriptions import UPDATE as SUBSCRIPTION_UPDATE
from fakestripe.billing_engine import upcoming_invoice
from fakestripe.charging import decline_error, resolve_payment_method
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.invoicing import (
    charge_invoice,
    create_invoice,
    finalize,
    mark_paid,
    mark_uncollectible,
    preview_id,
    regular_line,
    subscription_id_of,
    void,
)
from fakestripe.params import (
    EMPTY,
    Bool,
    Hash,
    Int,
    Metadata,
    Str,
    apply_metadata,
    endpoint,
    list_endpoint,
)
from fakestripe.periods import period_end
from fakestripe.subscriptions import current_period, pending_lines, plan_change

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
        "due_date": Hash({}, ignored=("gt", "gte", "lt", "lte")),
    },
    unsupported=("customer_account",),
)


@api(bp, "/v1/invoices", "GET", LIST)
def list_invoices(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    def keep(inv: dict[str, Any]) -> bool:
        return all(
            (
                "customer" not in params or inv["customer"] == params["customer"],
                "subscription" not in params or subscription_id_of(inv) == params["subscription"],
                "status" not in params or inv["status"] == params["status"],
                "collection_method" not in params
                or inv["collection_method"] == params["collection_method"],
            )
        )

    return paginate(rt, rt.store.all("invoice", keep), params, "/v1/invoices")


UPDATE = endpoint(
    {
        "metadata": Metadata(),
        "description": Str(max_length=1500, emptyable=True),
        "footer": Str(max_length=5000, emptyable=True),
        "auto_advance": Bool(),
    },
    unsupported=("discounts", "custom_fields", "due_date", "default_payment_method"),
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
        "forgive": Bool(),
    },
    unsupported=("mandate", "source"),
)


@api(bp, "/v1/invoices/<invoice_id>/pay", "POST", PAY)
def pay_invoice(rt: Runtime, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = rt.store.require("invoice", invoice_id)
    if invoice["status"] == "paid":
        raise invalid("Invoice is already paid", param="invoice", code="invoice_already_paid")
    if invoice["status"] in {"void", "uncollectible"} and not params.get("paid_out_of_band"):
        raise invalid(f"This invoice is {invoice['status']} and cannot be paid.", param="invoice")
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
    mark_uncollectible(rt, invoice)
    return rt.render(invoice)


@api(bp, "/v1/invoices/<invoice_id>/lines", "GET", list_endpoint())
def list_lines(rt: Runtime, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = rt.store.require("invoice", invoice_id)
    return page_of(invoice["lines"]["data"], params, f"/v1/invoices/{invoice_id}/lines")


PREVIEW = endpoint(
    {
        "customer": Str(max_length=255),
        "subscription": Str(max_length=255),
        "subscription_details": Hash(
            {
                "items": SUBSCRIPTION_UPDATE.fields["items"],
                "proration_behavior": Str(choices=PRORATION_BEHAVIORS),
                "proration_date": Int(minimum=0),
                "cancel_at_period_end": Bool(),
                "billing_cycle_anchor": Hash(
                    {"type": Str(choices=("now", "unchanged"))}, required=("type",)
                ),
            },
            ignored=("billing_mode", "resume_at"),
            unsupported=(
                "cancel_at",
                "cancel_now",
                "default_tax_rates",
                "trial_end",
                "start_date",
            ),
        ),
        "preview_mode": Str(choices=("next", "recurring")),
    },
    ignored=("automatic_tax",),
    unsupported=(
        "invoice_items",
        "discounts",
        "schedule",
        "schedule_details",
        "customer_details",
        "issuer",
        "on_behalf_of",
        "currency",
        "customer_account",
    ),
)


def _no_upcoming(target: str) -> Exception:
    return invalid(
        f"No upcoming invoices for {target}", param="subscription", code="invoice_upcoming_none"
    )


@api(bp, "/v1/invoices/create_preview", "POST", PREVIEW)
def create_preview(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    if "subscription" in params:
        sub = rt.store.require(
            "subscription", params["subscription"], param="subscription", status=400
        )
    elif "customer" in params:
        rt.store.require("customer", params["customer"], param="customer", status=400)
        live = rt.store.all(
            "subscription",
            lambda s: (
                s["customer"] == params["customer"]
                and s["status"] in {"active", "past_due", "trialing", "unpaid"}
            ),
        )
        if len(live) != 1:
            raise _no_upcoming(f"customer: {params['customer']}")
        sub = live[0]
    else:
        raise invalid(
            "Missing required param: customer or subscription.",
            param="customer",
            code="parameter_missing",
        )
    if "customer" in params and sub["customer"] != params["customer"]:
        raise invalid("The subscription does not belong to this customer.", param="subscription")
    if sub["status"] in {"canceled", "incomplete_expired", "paused"}:
        raise _no_upcoming(f"subscription: {sub['id']}")
    details = params.get("subscription_details") or {}
    reset = (details.get("billing_cycle_anchor") or {}).get("type") == "now"
    if "items" not in details and not reset:
        ending = details.get("cancel_at_period_end", sub["cancel_at_period_end"])
        if ending:
            raise _no_upcoming(f"subscription: {sub['id']}")
        invoice = upcoming_invoice(rt, sub)
        invoice["id"] = preview_id()
        return invoice
    behavior = details.get("proration_behavior", "create_prorations")
    plan = plan_change(
        rt,
        sub,
        details.get("items", []),
        proration_behavior=behavior,
        proration_date=details.get("proration_date"),
        reset_anchor=reset,
        param_prefix="subscription_details[items]",
    )
    customer = rt.store.require("customer", sub["customer"])
    start, end = current_period(rt, sub)
    after = [c for c in plan.changes if c.new_price is not None]
    if plan.reset_anchor or behavior == "always_invoice":
        lines = [*pending_lines(rt, sub), *plan.proration_lines]
        if plan.reset_anchor:
            new_end = period_end(plan.at, plan.interval[0], plan.interval[1], 1)
            lines += [
                regular_line(
                    rt,
                    c.new_price,
                    c.new_quantity,
                    (plan.at, new_end),
                    c.item["id"] if c.item else None,
                )
                for c in after
            ]
        reason, period = "subscription_update", (plan.at, plan.at)
    else:
        private = rt.store.private(sub["id"])
        next_end = period_end(
            sub["billing_cycle_anchor"],
            plan.interval[0],
            plan.interval[1],
            private.get("cycle", 1) + 1,
        )
        lines = [
            *pending_lines(rt, sub),
            *(plan.proration_lines if behavior == "create_prorations" else []),
            *(
                regular_line(
                    rt,
                    c.new_price,
                    c.new_quantity,
                    (end, next_end),
                    c.item["id"] if c.item else None,
                )
                for c in after
            ),
        ]
        reason, period = "upcoming", (start, end)
    invoice = create_invoice(
        rt,
        customer=customer,
        subscription=sub,
        billing_reason=reason,
        lines=lines,
        period=period,
        store=False,
        invoice_id=preview_id(),
    )
    balance = customer["balance"]
    total = invoice["total"]
    applied = (max(balance, -total) if balance < 0 else balance) if total >= 0 else 0
    invoice.update(
        starting_balance=balance,
        amount_due=max(total + applied, 0),
        amount_remaining=max(total + applied, 0),
    )
    return invoice


PAYMENTS_LIST = list_endpoint(
    {
        "invoice": Str(max_length=255),
        "payment": Hash(
            {
                "type": Str(choices=("payment_intent", "payment_record")),
                "payment_intent": Str(max_length=255),
            },
            required=("type",),
        ),
        "status": Str(choices=("canceled", "open", "paid")),
    }
)


@api(bp, "/v1/invoice_payments", "GET", PAYMENTS_LIST)
def list_invoice_payments(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    payment = params.get("payment") or {}

    def keep(p: dict[str, Any]) -> bool:
        return all(
            (
                "invoice" not in params or p["invoice"] == params["invoice"],
                "status" not in params or p["status"] == params["status"],
                "type" not in payment or p["payment"]["type"] == payment["type"],
                "payment_intent" not in payment
                or p["payment"].get("payment_intent") == payment["payment_intent"],
            )
        )

    return paginate(rt, rt.store.all("invoice_payment", keep), params, "/v1/invoice_payments")


@api(bp, "/v1/invoice_payments/<payment_id>", "GET", endpoint())
def retrieve_invoice_payment(
    rt: Runtime, params: dict[str, Any], payment_id: str
) -> dict[str, Any]:
    return retrieve(rt, "invoice_payment", payment_id)
