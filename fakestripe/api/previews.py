"""``POST /v1/invoices/create_preview`` (the computing is in :mod:`fakestripe.previews`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api
from fakestripe.api.checkout_schema import only_false
from fakestripe.api.schedule_schema import phase_field
from fakestripe.api.subscription_schedules import phase_specs
from fakestripe.api.subscription_schema import (
    CANCEL_AT_WORDS,
    PRORATION_BEHAVIORS,
    billing_mode_field,
    items_field,
    price_data_field,
)
from fakestripe.errors import invalid
from fakestripe.invoiceitems import amount_only
from fakestripe.invoicing import LineSpec
from fakestripe.params import (
    EMPTY,
    Amount,
    Array,
    Bool,
    Currency,
    Hash,
    Int,
    Metadata,
    Str,
    endpoint,
)
from fakestripe.previews import (
    no_upcoming,
    preview_change,
    preview_ending,
    preview_new_subscription,
    preview_renewal,
    preview_resumption,
)
from fakestripe.schedules import lay_out
from fakestripe.subscriptions import ItemSpec, current_period, interval_of, resolve_item_price
from fakestripe.tracking import touch

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("previews", __name__)

_INVOICE_ITEM = Hash(
    {
        "amount": Amount(minimum=-99_999_999),
        "currency": Currency(),
        "description": Str(max_length=500),
        "metadata": Metadata(),
        "period": Hash({"start": Int(minimum=0), "end": Int(minimum=0)}, required=("start", "end")),
        "price": Str(max_length=255),
        "price_data": Hash(
            {k: f for k, f in price_data_field().fields.items() if k != "recurring"},
            required=("currency", "product", "unit_amount"),
            unsupported=("unit_amount_decimal",),
        ),
        "quantity": Int(minimum=1, maximum=999_999),
        "discountable": Bool(),
    },
    unsupported=(
        "discounts",
        "invoiceitem",
        "quantity_decimal",
        "tax_behavior",
        "tax_code",
        "tax_rates",
        "unit_amount",
        "unit_amount_decimal",
    ),
)

_SUBSCRIPTION_DETAILS = Hash(
    {
        "items": items_field(update=True),
        "proration_behavior": Str(choices=PRORATION_BEHAVIORS),
        "proration_date": Int(minimum=0),
        "cancel_at_period_end": Bool(),
        "cancel_now": Bool(),
        "cancel_at": Int(minimum=0, emptyable=True, refused=CANCEL_AT_WORDS),
        "resume_at": Str(choices=("now",)),
        "billing_cycle_anchor": Hash(
            {"type": Str(choices=("now", "unchanged"), refused=("timestamp",))},
            required=("type",),
            unsupported=("timestamp",),
        ),
        "billing_mode": billing_mode_field(),
    },
    unsupported=(
        "billing_schedules",
        "default_tax_rates",
        "metadata",
        "pause",
        "start_date",
        "trial_end",
    ),
)

PREVIEW = endpoint(
    {
        "customer": Str(max_length=255),
        "subscription": Str(max_length=255),
        "subscription_details": _SUBSCRIPTION_DETAILS,
        "invoice_items": Array(_INVOICE_ITEM, max_items=250),
        "currency": Currency(),
        "preview_mode": Str(choices=("next",), refused=("recurring",)),
        "automatic_tax": only_false("liability"),
        "schedule": Str(max_length=255),
        "schedule_details": Hash(
            {
                "phases": Array(phase_field(update=True), max_items=10),
                "end_behavior": Str(choices=("cancel", "release")),
                "proration_behavior": Str(choices=PRORATION_BEHAVIORS),
                "billing_mode": billing_mode_field(),
            },
            unsupported=("pause_schedules",),
        ),
    },
    unsupported=(
        "customer_account",
        "customer_details",
        "discounts",
        "issuer",
        "on_behalf_of",
    ),
)


def _extra_lines(rt: Runtime, specs: list[dict[str, Any]], currency: str) -> list[LineSpec]:
    """``invoice_items``: one-off lines added to the previewed invoice."""
    lines = []
    for index, spec in enumerate(specs):
        path = f"invoice_items[{index}]"
        quantity = spec.get("quantity", 1)
        if "price" in spec:
            price = rt.store.require("price", spec["price"], param=f"{path}[price]", status=400)
            unit = price["unit_amount"]
        elif "price_data" in spec:
            data = spec["price_data"]
            rt.store.require(
                "product", data["product"], param=f"{path}[price_data][product]", status=400
            )
            touch(data, "tax_behavior")
            price = {**amount_only(data["currency"], data["unit_amount"]), "product": None}
            unit = data["unit_amount"]
        elif "amount" in spec:
            price, unit = (
                amount_only(spec.get("currency", currency), spec["amount"]),
                spec["amount"],
            )
        else:
            raise invalid(
                f"Missing required param: {path}[amount].",
                param=f"{path}[amount]",
                code="parameter_missing",
            )
        if price["currency"] != currency:
            raise invalid(f"{path} must be in {currency}.", param=f"{path}[currency]")
        period = spec.get("period") or {"start": rt.now(), "end": rt.now()}
        # A preview has no invoice item objects; metadata and discountable change no amount.
        touch(spec, "metadata", "discountable", "currency")
        lines.append(
            LineSpec(
                amount=unit * quantity,
                description=spec.get("description") or "Invoice item",
                price=price,
                quantity=quantity,
                period=(period["start"], period["end"]),
                subscription_item=None,
                standalone=True,
            )
        )
    return lines


@api(bp, "/v1/invoices/create_preview", "POST", PREVIEW)
def create_preview(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    # `next` is the only mode implemented (the very next invoice); taxes are off.
    touch(params, "preview_mode", "automatic_tax")
    details = params.get("subscription_details") or {}
    touch(details, "billing_mode")
    if "schedule" in params or "schedule_details" in params:
        return _schedule(rt, params)
    if "subscription" not in params:
        return _new_subscription(rt, params, details)
    sub = rt.store.require("subscription", params["subscription"], param="subscription", status=400)
    if "customer" in params and sub["customer"] != params["customer"]:
        raise invalid("The subscription does not belong to this customer.", param="subscription")
    if "currency" in params and params["currency"] != sub["currency"]:
        raise invalid("The subscription uses another currency.", param="currency")
    extra = _extra_lines(rt, params.get("invoice_items") or [], sub["currency"])
    behavior = details.get("proration_behavior", "create_prorations")
    if sub["status"] == "paused":
        if details.get("resume_at") != "now":
            raise no_upcoming(f"subscription: {sub['id']} (paused; preview resume_at=now)")
        anchor = (details.get("billing_cycle_anchor") or {}).get("type", "now")
        return preview_resumption(rt, sub, anchor=anchor, behavior=behavior, extra=extra)
    if sub["status"] in {"canceled", "incomplete_expired"}:
        raise no_upcoming(f"subscription: {sub['id']}")
    if "resume_at" in details:
        raise invalid(
            "resume_at only applies to a paused subscription.",
            param="subscription_details[resume_at]",
        )
    return _for_live(rt, sub, details, behavior, extra)


def _for_live(
    rt: Runtime,
    sub: dict[str, Any],
    details: dict[str, Any],
    behavior: str,
    extra: list[LineSpec],
) -> dict[str, Any]:
    """A live subscription: cancelled now, changed, ending in this period, or renewing."""
    if details.get("cancel_now"):
        return preview_ending(rt, sub, at=rt.now(), behavior=behavior, extra=extra)
    cancel_at = details.get("cancel_at", sub["cancel_at"])
    if cancel_at is EMPTY:
        cancel_at = None
    ending = details.get("cancel_at_period_end", sub["cancel_at_period_end"])
    if "items" in details or (details.get("billing_cycle_anchor") or {}).get("type") == "now":
        if ending or cancel_at is not None:
            raise invalid(
                "fakestripe previews a change of items without a cancellation; preview them "
                "one at a time.",
                param="subscription_details[cancel_at]",
            )
        return preview_change(rt, sub, details, extra)
    touch(details, "proration_date")
    _, end = current_period(rt, sub)
    if ending:
        return preview_ending(rt, sub, at=end, behavior="none", extra=extra)
    if cancel_at is not None and cancel_at < end:
        return preview_ending(rt, sub, at=cancel_at, behavior=behavior, extra=extra)
    return preview_renewal(rt, sub, extra)


def _schedule(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    """The next renewal of a scheduled subscription: the schedule's phases, or proposed ones
    (``schedule_details``), decide what it bills."""
    if "subscription_details" in params:
        raise invalid(
            "Preview a schedule or a subscription change, not both at once.",
            param="subscription_details",
        )
    schedule = None
    if "schedule" in params:
        schedule = rt.store.require(
            "subscription_schedule", params["schedule"], param="schedule", status=400
        )
    sub_id = params.get("subscription") or (schedule or {}).get("subscription")
    if not sub_id:
        raise no_upcoming("schedule: it has no subscription yet")
    sub = rt.store.require("subscription", sub_id, param="subscription", status=400)
    if "customer" in params and sub["customer"] != params["customer"]:
        raise invalid("The subscription does not belong to this customer.", param="subscription")
    if sub["status"] in {"canceled", "incomplete_expired", "paused"}:
        raise no_upcoming(f"subscription: {sub['id']}")
    touch(params, "currency")
    details = params.get("schedule_details") or {}
    touch(details, "billing_mode", "end_behavior", "proration_behavior")
    phases = schedule["phases"] if schedule else []
    if "phases" in details:
        specs = phase_specs(rt, details["phases"], currency=sub["currency"], now=rt.now())
        start = specs[0].start if specs[0].start is not None else current_period(rt, sub)[0]
        phases = lay_out(rt, specs, start=start)
    extra = _extra_lines(rt, params.get("invoice_items") or [], sub["currency"])
    return preview_renewal(rt, sub, extra, phases)


def _new_subscription(
    rt: Runtime, params: dict[str, Any], details: dict[str, Any]
) -> dict[str, Any]:
    if "customer" not in params:
        raise invalid(
            "Missing required param: customer or subscription.",
            param="customer",
            code="parameter_missing",
        )
    customer = rt.store.require("customer", params["customer"], param="customer", status=400)
    specs = details.get("items")
    if not specs:
        live = rt.store.all(
            "subscription",
            lambda s: (
                s["customer"] == customer["id"]
                and s["status"] in {"active", "past_due", "trialing", "unpaid"}
            ),
        )
        if len(live) != 1:
            raise no_upcoming(f"customer: {customer['id']}")
        # The customer's one subscription: its next invoice.
        params["subscription"] = live[0]["id"]
        return create_preview(rt, params)
    for key in ("cancel_now", "cancel_at", "cancel_at_period_end", "resume_at", "proration_date"):
        if key in details:
            raise invalid(
                f"subscription_details[{key}] needs an existing subscription.",
                param=f"subscription_details[{key}]",
            )
    touch(details, "proration_behavior", "billing_cycle_anchor")
    items: list[ItemSpec] = []
    currency = params.get("currency")
    for index, spec in enumerate(specs):
        path = f"subscription_details[items][{index}]"
        if "id" in spec or spec.get("deleted"):
            raise invalid(f"A new subscription has no items to change ({path}).", param=path)
        wanted = {"currency": currency or (items[0].price["currency"] if items else None)}
        price = resolve_item_price(rt, wanted, spec, path)
        touch(spec, "metadata")
        items.append(ItemSpec(price, spec.get("quantity", 1)))
    if len({interval_of(i.price) for i in items}) > 1:
        raise invalid(
            "All prices on a subscription must have the same `recurring.interval` and "
            "`recurring.interval_count`.",
            param="subscription_details[items]",
        )
    extra = _extra_lines(rt, params.get("invoice_items") or [], items[0].price["currency"])
    return preview_new_subscription(rt, customer, items, extra)
