"""``POST /v1/invoices/create_preview``: the invoice a subscription would get, unsaved."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api
from fakestripe.api.subscription_schema import PRORATION_BEHAVIORS, items_field
from fakestripe.billing_engine import upcoming_invoice
from fakestripe.changes import plan_change
from fakestripe.errors import invalid, not_implemented
from fakestripe.invoicing import create_invoice, preview_id, regular_line
from fakestripe.params import Bool, Hash, Int, Str, endpoint
from fakestripe.periods import period_end
from fakestripe.subscriptions import current_period, pending_lines
from fakestripe.tracking import touch

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("previews", __name__)

PREVIEW = endpoint(
    {
        "customer": Str(max_length=255),
        "subscription": Str(max_length=255),
        "subscription_details": Hash(
            {
                "items": items_field(update=True),
                "proration_behavior": Str(choices=PRORATION_BEHAVIORS),
                "proration_date": Int(minimum=0),
                "cancel_at_period_end": Bool(),
                "billing_cycle_anchor": Hash(
                    {"type": Str(choices=("now", "unchanged"), refused=("timestamp",))},
                    required=("type",),
                    unsupported=("timestamp",),
                ),
            },
            unsupported=(
                "billing_mode",
                "billing_schedules",
                "cancel_at",
                "cancel_now",
                "default_tax_rates",
                "metadata",
                "pause",
                "resume_at",
                "start_date",
                "trial_end",
            ),
        ),
        "preview_mode": Str(choices=("next",), refused=("recurring",)),
    },
    unsupported=(
        "automatic_tax",
        "currency",
        "customer_account",
        "customer_details",
        "discounts",
        "invoice_items",
        "issuer",
        "on_behalf_of",
        "schedule",
        "schedule_details",
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
    # `next` is the only mode implemented: the very next invoice.
    touch(params, "preview_mode")
    details = params.get("subscription_details") or {}
    reset = (details.get("billing_cycle_anchor") or {}).get("type") == "now"
    if "items" not in details and not reset:
        # Without a change there is nothing to prorate.
        touch(details, "proration_behavior", "proration_date")
        ending = details.get("cancel_at_period_end", sub["cancel_at_period_end"])
        if ending:
            raise _no_upcoming(f"subscription: {sub['id']}")
        invoice = upcoming_invoice(rt, sub)
        invoice["id"] = preview_id()
        return invoice
    if details.get("cancel_at_period_end"):
        raise not_implemented("subscription_details[cancel_at_period_end]", "true")
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
