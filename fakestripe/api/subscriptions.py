"""``/v1/subscriptions`` and ``/v1/subscription_items``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.cards import Decline, charge_outcome
from fakestripe.charging import card_of, decline_error, resolve_payment_method
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.invoicing import NO_PAYMENT_METHOD, charge_invoice, default_payment_method
from fakestripe.params import (
    EMPTY,
    Array,
    Bool,
    Hash,
    Int,
    Metadata,
    Str,
    apply_metadata,
    endpoint,
    list_endpoint,
    new_metadata,
)
from fakestripe.subscriptions import (
    apply_change,
    cancel_now,
    current_period,
    interval_of,
    pause,
    plan_change,
    resolve_recurring_price,
    resume,
    set_cancel_at,
)

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("subscriptions", __name__)

PRORATION_BEHAVIORS = ("create_prorations", "always_invoice", "none")
PAYMENT_BEHAVIORS = (
    "allow_incomplete",
    "default_incomplete",
    "error_if_incomplete",
    "pending_if_incomplete",
)
FEEDBACK = (
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
)
STATUSES = (
    "active",
    "all",
    "canceled",
    "ended",
    "incomplete",
    "incomplete_expired",
    "past_due",
    "paused",
    "trialing",
    "unpaid",
)

_UNSUPPORTED = (
    "trial_end",
    "trial_period_days",
    "trial_from_plan",
    "trial_settings",
    "coupon",
    "promotion_code",
    "discounts",
    "add_invoice_items",
    "default_tax_rates",
    "days_until_due",
    "collection_method",
    "pending_invoice_item_interval",
    "transfer_data",
    "application_fee_percent",
    "billing_thresholds",
    "on_behalf_of",
    "default_source",
    "invoice_settings",
    "payment_settings",
)


def _pause_field() -> Hash:
    return Hash(
        {
            "behavior": Str(choices=("keep_as_draft", "mark_uncollectible", "void")),
            "resumes_at": Int(minimum=0),
        },
        required=("behavior",),
        emptyable=True,
    )


def _cancellation_details() -> Hash:
    return Hash(
        {
            "comment": Str(max_length=5000, emptyable=True),
            "feedback": Str(choices=FEEDBACK, emptyable=True),
        }
    )


@api(bp, "/v1/subscriptions/<sub_id>", "GET", endpoint())
def retrieve_subscription(rt: Runtime, params: dict[str, Any], sub_id: str) -> dict[str, Any]:
    return retrieve(rt, "subscription", sub_id)


LIST = list_endpoint(
    {
        "customer": Str(max_length=255),
        "price": Str(max_length=255),
        "status": Str(choices=STATUSES),
        "collection_method": Str(choices=("charge_automatically", "send_invoice")),
        "current_period_end": Hash({}, ignored=("gt", "gte", "lt", "lte")),
        "current_period_start": Hash({}, ignored=("gt", "gte", "lt", "lte")),
    },
    unsupported=("test_clock", "plan", "automatic_tax"),
)


@api(bp, "/v1/subscriptions", "GET", LIST)
def list_subscriptions(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    status = params.get("status")
    price = params.get("price")

    def status_ok(sub: dict[str, Any]) -> bool:
        if status is None:
            # Stripe hides canceled subscriptions unless asked for them.
            return sub["status"] not in {"canceled", "incomplete_expired"}
        if status == "all":
            return True
        if status == "ended":
            return sub["status"] in {"canceled", "incomplete_expired"}
        return sub["status"] == status

    def keep(sub: dict[str, Any]) -> bool:
        if "customer" in params and sub["customer"] != params["customer"]:
            return False
        if (
            "collection_method" in params
            and sub["collection_method"] != params["collection_method"]
        ):
            return False
        if price and not rt.store.all(
            "subscription_item", lambda i: i["subscription"] == sub["id"] and i["price"] == price
        ):
            return False
        return status_ok(sub)

    return paginate(rt, rt.store.all("subscription", keep), params, "/v1/subscriptions")


_ITEM_FIELDS = {
    "price": Str(max_length=255),
    "quantity": Int(minimum=1, maximum=999_999),
    "metadata": Metadata(),
}

CREATE = endpoint(
    {
        "customer": Str(max_length=255),
        "items": Array(
            Hash(_ITEM_FIELDS, unsupported=("price_data", "tax_rates", "discounts")), max_items=20
        ),
        "default_payment_method": Str(max_length=255),
        "metadata": Metadata(),
        "description": Str(max_length=500),
        "payment_behavior": Str(choices=PAYMENT_BEHAVIORS),
        "off_session": Bool(),
        "cancel_at_period_end": Bool(),
    },
    required=("customer", "items"),
    ignored=("proration_behavior", "billing_mode", "automatic_tax", "expand_items"),
    unsupported=(
        *_UNSUPPORTED,
        "backdate_start_date",
        "billing_cycle_anchor",
        "billing_cycle_anchor_config",
        "cancel_at",
    ),
)


def _predict_decline(rt: Runtime, pm: dict[str, Any] | None) -> Decline | None:
    if pm is None:
        return NO_PAYMENT_METHOD
    outcome = charge_outcome(card_of(rt, pm), off_session=True)
    return outcome if isinstance(outcome, Decline) else None


@api(bp, "/v1/subscriptions", "POST", CREATE)
def create_subscription_route(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    from fakestripe.subscriptions import create_subscription

    customer = rt.store.require("customer", params["customer"], param="customer", status=400)
    if not params["items"]:
        raise invalid("Missing required param: items.", param="items", code="parameter_missing")
    prices = _subscription_prices(rt, params["items"])
    if len({interval_of(p) for p, _ in prices}) > 1:
        raise invalid(
            "All prices on a subscription must have the same `recurring.interval` and "
            "`recurring.interval_count`.",
            param="items",
        )
    pm = None
    if "default_payment_method" in params:
        pm = _attached_pm(rt, customer, params["default_payment_method"], "default_payment_method")
    behavior = params.get("payment_behavior", "allow_incomplete")
    charge_pm = pm or default_payment_method(rt, None, customer)
    if behavior == "error_if_incomplete":
        decline = _predict_decline(rt, charge_pm)
        if decline is NO_PAYMENT_METHOD:
            raise invalid(NO_PAYMENT_METHOD.message, param="default_payment_method")
        if decline is not None:
            raise decline_error(decline)
    sub, invoice = create_subscription(
        rt,
        customer=customer,
        items=prices,
        metadata=new_metadata(params.get("metadata")),
        default_payment_method=pm["id"] if pm else None,
        description=params.get("description"),
    )
    # A zero-amount first invoice is already paid (and the subscription active).
    if invoice["status"] == "open" and behavior != "default_incomplete" and charge_pm:
        charge_invoice(rt, invoice, pm=charge_pm, automatic=False)
    if params.get("cancel_at_period_end") and sub["status"] == "active":
        before = rt.render(sub)
        set_cancel_at(rt, sub, current_period(rt, sub)[1])
        emit_updated(rt, "customer.subscription.updated", sub, before)
    return rt.render(sub)


def _subscription_prices(
    rt: Runtime, items: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], int]]:
    """The items' prices; all must be active, recurring and in the first one's currency."""
    prices: list[tuple[dict[str, Any], int]] = []
    for index, spec in enumerate(items):
        param = f"items[{index}][price]"
        if "price" not in spec:
            raise invalid(
                f"Missing required param: {param}.", param=param, code="parameter_missing"
            )
        currency = (
            prices[0][0]["currency"]
            if prices
            else rt.store.require("price", spec["price"], param=param, status=400)["currency"]
        )
        price = resolve_recurring_price(rt, {"currency": currency}, spec["price"], param)
        prices.append((price, spec.get("quantity", 1)))
    return prices


def _attached_pm(rt: Runtime, customer: dict[str, Any], value: str, param: str) -> dict[str, Any]:
    pm = resolve_payment_method(rt, value, param=param)
    if pm["customer"] is None and pm["id"] != value:
        # A magic test id (pm_card_visa): Stripe attaches the fresh payment method for you.
        from fakestripe.charging import attach

        attach(rt, pm, customer["id"])
    if pm["customer"] != customer["id"]:
        raise invalid(
            f"The customer does not have a payment method with the ID {value}. The payment "
            "method must be attached to the customer.",
            param=param,
        )
    return pm


UPDATE = endpoint(
    {
        "items": Array(
            Hash(
                {
                    **_ITEM_FIELDS,
                    "id": Str(max_length=255),
                    "deleted": Bool(),
                    "quantity": Int(minimum=0, maximum=999_999),
                },
                ignored=("clear_usage",),
                unsupported=("price_data", "tax_rates", "discounts", "billing_thresholds"),
            ),
            max_items=20,
        ),
        "proration_behavior": Str(choices=PRORATION_BEHAVIORS),
        "proration_date": Int(minimum=0),
        "cancel_at_period_end": Bool(),
        "cancel_at": Int(minimum=0, emptyable=True),
        "pause_collection": _pause_field(),
        "metadata": Metadata(),
        "default_payment_method": Str(max_length=255, emptyable=True),
        "description": Str(max_length=500, emptyable=True),
        "cancellation_details": _cancellation_details(),
        "payment_behavior": Str(choices=PAYMENT_BEHAVIORS),
        "billing_cycle_anchor": Hash(
            {"type": Str(choices=("now", "unchanged"))}, required=("type",)
        ),
        "off_session": Bool(),
    },
    ignored=("billing_mode", "automatic_tax"),
    unsupported=_UNSUPPORTED,
)


def _check_update(
    rt: Runtime, sub: dict[str, Any], customer: dict[str, Any], params: dict[str, Any]
) -> dict[str, Any] | None:
    """Every validation happens before the first change; returns the new default PM."""
    if sub["status"] in {"canceled", "incomplete_expired"}:
        extra = set(params) - {"metadata", "cancellation_details"}
        if extra:
            raise invalid(
                "A canceled subscription can only update its cancellation_details and metadata.",
                param=sorted(extra)[0],
                code="invalid_canceled_subscription_fields",
            )
    now = rt.now()
    cancel_at = params.get("cancel_at")
    if isinstance(cancel_at, int) and cancel_at <= now:
        raise invalid("cancel_at must be in the future.", param="cancel_at")
    resumes_at = (params.get("pause_collection") or {}).get("resumes_at")
    if resumes_at is not None and resumes_at <= now:
        raise invalid("resumes_at must be in the future.", param="pause_collection[resumes_at]")
    if params.get("default_payment_method"):
        return _attached_pm(
            rt, customer, params["default_payment_method"], "default_payment_method"
        )
    return None


def _apply_simple_fields(
    rt: Runtime, sub: dict[str, Any], params: dict[str, Any], pm: dict[str, Any] | None
) -> None:
    if "metadata" in params:
        sub["metadata"] = apply_metadata(sub["metadata"], params["metadata"])
    if "description" in params:
        sub["description"] = None if params["description"] is EMPTY else params["description"]
    if "default_payment_method" in params:
        sub["default_payment_method"] = pm["id"] if pm else None
    for key, value in (params.get("cancellation_details") or {}).items():
        sub["cancellation_details"][key] = None if value is EMPTY else value
    if "cancel_at_period_end" in params:
        if params["cancel_at_period_end"]:
            set_cancel_at(rt, sub, current_period(rt, sub)[1])
        elif sub["cancel_at_period_end"] or sub["cancel_at"]:
            set_cancel_at(rt, sub, None)
    if "cancel_at" in params:
        set_cancel_at(rt, sub, None if params["cancel_at"] is EMPTY else params["cancel_at"])
    if "pause_collection" in params:
        pause_collection = params["pause_collection"]
        sub["pause_collection"] = (
            None
            if pause_collection is EMPTY
            else {
                "behavior": pause_collection["behavior"],
                "resumes_at": pause_collection.get("resumes_at"),
            }
        )
    rt.store.mark_dirty()


@api(bp, "/v1/subscriptions/<sub_id>", "POST", UPDATE)
def update_subscription(rt: Runtime, params: dict[str, Any], sub_id: str) -> dict[str, Any]:
    sub = rt.store.require("subscription", sub_id)
    customer = rt.store.require("customer", sub["customer"])
    pm = _check_update(rt, sub, customer, params)
    behavior = params.get("proration_behavior", "create_prorations")
    plan = None
    reset = (params.get("billing_cycle_anchor") or {}).get("type") == "now"
    if "items" in params or reset:
        plan = plan_change(
            rt,
            sub,
            params.get("items", []),
            proration_behavior=behavior,
            proration_date=params.get("proration_date"),
            reset_anchor=reset,
        )
        invoices_now = plan.reset_anchor or (behavior == "always_invoice" and plan.proration_lines)
        if invoices_now and params.get("payment_behavior") == "error_if_incomplete":
            decline = _predict_decline(rt, pm or default_payment_method(rt, sub, customer))
            if decline is not None:
                raise decline_error(decline)
    before = rt.render(sub)
    _apply_simple_fields(rt, sub, params, pm)
    if plan is not None:
        apply_change(rt, sub, plan, proration_behavior=behavior, before=before)
    else:
        emit_updated(rt, "customer.subscription.updated", sub, before)
    return rt.render(sub)


CANCEL = endpoint(
    {"cancellation_details": _cancellation_details()},
    ignored=("invoice_now", "prorate"),
)


@api(bp, "/v1/subscriptions/<sub_id>", "DELETE", CANCEL)
def cancel_subscription(rt: Runtime, params: dict[str, Any], sub_id: str) -> dict[str, Any]:
    sub = rt.store.require("subscription", sub_id)
    if sub["status"] in {"canceled", "incomplete_expired"}:
        raise invalid(
            f"This subscription has already been canceled ({sub_id}).",
            param="subscription",
        )
    details = params.get("cancellation_details") or {}
    cancel_now(
        rt,
        sub,
        reason="cancellation_requested",
        comment=None if details.get("comment") is EMPTY else details.get("comment"),
        feedback=None if details.get("feedback") is EMPTY else details.get("feedback"),
    )
    return rt.render(sub)


PAUSE = endpoint(
    {"type": Str(choices=("subscription",))},
    ignored=("bill_for", "invoicing_behavior"),
)


@api(bp, "/v1/subscriptions/<sub_id>/pause", "POST", PAUSE)
def pause_subscription(rt: Runtime, params: dict[str, Any], sub_id: str) -> dict[str, Any]:
    sub = rt.store.require("subscription", sub_id)
    pause(rt, sub)
    return rt.render(sub)


RESUME = endpoint(
    {
        "billing_cycle_anchor": Hash(
            {"type": Str(choices=("now", "unchanged"))}, required=("type",)
        ),
        "proration_behavior": Str(choices=PRORATION_BEHAVIORS),
        "proration_date": Int(minimum=0),
        "payment_behavior": Str(choices=("resume_on_payment_attempt", "resume_on_payment_success")),
    },
)


@api(bp, "/v1/subscriptions/<sub_id>/resume", "POST", RESUME)
def resume_subscription(rt: Runtime, params: dict[str, Any], sub_id: str) -> dict[str, Any]:
    sub = rt.store.require("subscription", sub_id)
    anchor = (params.get("billing_cycle_anchor") or {}).get("type", "now")
    resume(rt, sub, anchor=anchor)
    return rt.render(sub)


ITEMS_LIST = list_endpoint({"subscription": Str(max_length=255)}, required=("subscription",))


@api(bp, "/v1/subscription_items", "GET", ITEMS_LIST)
def list_subscription_items(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    from fakestripe.api.checkout import page_of
    from fakestripe.objects.billing import subscription_items

    rt.store.require("subscription", params["subscription"], param="subscription", status=400)
    items = [rt.render(i) for i in subscription_items(rt, params["subscription"])]
    return page_of(items, params, "/v1/subscription_items")


@api(bp, "/v1/subscription_items/<item_id>", "GET", endpoint())
def retrieve_subscription_item(rt: Runtime, params: dict[str, Any], item_id: str) -> dict[str, Any]:
    return retrieve(rt, "subscription_item", item_id)
