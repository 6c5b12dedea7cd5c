"""``/v1/subscriptions`` and ``/v1/subscription_items``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe import trials
from fakestripe.api.base import api, paginate, retrieve
from fakestripe.api.subscription_discounts import resolve_entries, set_discounts
from fakestripe.api.subscription_schema import (
    CANCEL,
    CREATE,
    ITEMS_LIST,
    LIST,
    PAUSE,
    RESUME,
    UPDATE,
)
from fakestripe.cancellation import cancel_now, reprorate_cancel_at, set_cancel_at
from fakestripe.cards import Decline, charge_outcome
from fakestripe.changes import apply_change, plan_change
from fakestripe.charging import card_of, decline_error, resolve_payment_method
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.invoicing import NO_PAYMENT_METHOD, charge_invoice, default_payment_method
from fakestripe.params import EMPTY, apply_metadata, endpoint, in_range, new_metadata
from fakestripe.pausing import pause, resume
from fakestripe.subscriptions import (
    ItemSpec,
    create_subscription,
    current_period,
    interval_of,
    resolve_item_price,
)
from fakestripe.tracking import touch, wanted

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("subscriptions", __name__)


@api(bp, "/v1/subscriptions/<sub_id>", "GET", endpoint())
def retrieve_subscription(rt: Runtime, params: dict[str, Any], sub_id: str) -> dict[str, Any]:
    return retrieve(rt, "subscription", sub_id)


@api(bp, "/v1/subscriptions", "GET", LIST)
def list_subscriptions(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    status = params.get("status")
    price = params.get("price")
    period_end, period_start = params.get("current_period_end"), params.get("current_period_start")

    def status_ok(sub: dict[str, Any]) -> bool:
        if status is None:
            # Stripe hides canceled subscriptions unless asked for them.
            return sub["status"] not in {"canceled", "incomplete_expired"}
        if status == "all":
            return True
        if status == "ended":
            return sub["status"] in {"canceled", "incomplete_expired"}
        return sub["status"] == status

    f = wanted(params, "customer", "collection_method", "test_clock")

    def keep(sub: dict[str, Any]) -> bool:
        if not all(sub[k] == v for k, v in f.items()):
            return False
        if price and not rt.store.all(
            "subscription_item", lambda i: i["subscription"] == sub["id"] and i["price"] == price
        ):
            return False
        if period_end or period_start:
            start, end = current_period(rt, sub)
            if not (in_range(end, period_end) and in_range(start, period_start)):
                return False
        return status_ok(sub)

    return paginate(rt, rt.store.all("subscription", keep), params, "/v1/subscriptions")


def _predict_decline(
    rt: Runtime, pm: dict[str, Any] | None, *, off_session: bool
) -> Decline | None:
    if pm is None:
        return NO_PAYMENT_METHOD
    outcome = charge_outcome(card_of(rt, pm), off_session=off_session)
    return outcome if isinstance(outcome, Decline) else None


@api(bp, "/v1/subscriptions", "POST", CREATE)
def create_subscription_route(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    customer = rt.store.require("customer", params["customer"], param="customer", status=400)
    if not params["items"]:
        raise invalid("Missing required param: items.", param="items", code="parameter_missing")
    items = _item_specs(rt, params["items"], params.get("currency"))
    if len({interval_of(i.price) for i in items}) > 1:
        raise invalid(
            "All prices on a subscription must have the same `recurring.interval` and "
            "`recurring.interval_count`.",
            param="items",
        )
    cancel_at = params.get("cancel_at")
    if cancel_at is not None and cancel_at <= rt.now():
        raise invalid("cancel_at must be in the future.", param="cancel_at")
    trial_end = trials.trial_end_from(rt, params)
    _, redeem = resolve_entries(
        rt,
        params.get("discounts") or [],
        customer=customer["id"],
        currency=items[0].price["currency"],
    )
    # Only the values the stand-in implements get this far (flexible, charge_automatically).
    touch(params, "billing_mode", "automatic_tax", "collection_method")
    pm = None
    if "default_payment_method" in params:
        pm = _attached_pm(rt, customer, params["default_payment_method"], "default_payment_method")
    behavior = params.get("payment_behavior", "allow_incomplete")
    off_session = params.get("off_session", False)
    charge_pm = pm or default_payment_method(rt, None, customer)
    if behavior == "error_if_incomplete" and trial_end is None:
        decline = _predict_decline(rt, charge_pm, off_session=off_session)
        if decline is NO_PAYMENT_METHOD:
            raise invalid(NO_PAYMENT_METHOD.message, param="default_payment_method")
        if decline is not None:
            raise decline_error(decline)
    sub, invoice = create_subscription(
        rt,
        customer=customer,
        items=items,
        metadata=new_metadata(params.get("metadata")),
        default_payment_method=pm["id"] if pm else None,
        description=params.get("description"),
        trial_end=trial_end,
        missing_payment_method=trials.missing_pm_behavior(params),
        discounts=redeem,
    )
    # A zero-amount first invoice is already paid (and the subscription active).
    if invoice["status"] == "open" and behavior != "default_incomplete" and charge_pm:
        charge_invoice(rt, invoice, pm=charge_pm, off_session=off_session, automatic=False)
    ending = current_period(rt, sub)[1] if params.get("cancel_at_period_end") else cancel_at
    if ending is not None:
        before = rt.render(sub)
        set_cancel_at(rt, sub, ending)
        emit_updated(rt, "customer.subscription.updated", sub, before)
    return rt.render(sub)


def _item_specs(rt: Runtime, items: list[dict[str, Any]], currency: str | None) -> list[ItemSpec]:
    """The items' prices; all must be active, recurring and in one currency."""
    specs: list[ItemSpec] = []
    for index, spec in enumerate(items):
        path = f"items[{index}]"
        wanted = {"currency": currency or (specs[0].price["currency"] if specs else None)}
        price = resolve_item_price(rt, wanted, spec, path)
        specs.append(ItemSpec(price, spec.get("quantity", 1), new_metadata(spec.get("metadata"))))
    return specs


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
    if sub["schedule"]:
        managed = sorted(
            {"items", "cancel_at", "cancel_at_period_end", "billing_cycle_anchor"} & set(params)
        )
        if managed:
            raise invalid(
                f"The subscription is managed by the subscription schedule {sub['schedule']}; "
                "update the schedule instead.",
                param=managed[0],
            )
    now = rt.now()
    cancel_at = params.get("cancel_at")
    if isinstance(cancel_at, int) and cancel_at <= now:
        raise invalid("cancel_at must be in the future.", param="cancel_at")
    resumes_at = (params.get("pause_collection") or {}).get("resumes_at")
    if resumes_at is not None and resumes_at <= now:
        raise invalid("resumes_at must be in the future.", param="pause_collection[resumes_at]")
    if (
        "proration_date" in params
        and "items" not in params
        and "billing_cycle_anchor" not in params
    ):
        raise invalid(
            "proration_date only applies to a change of items or billing_cycle_anchor.",
            param="proration_date",
        )
    touch(params, "automatic_tax", "collection_method")
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
    off_session = params.get("off_session", False)
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
            charge_pm = pm or default_payment_method(rt, sub, customer)
            decline = _predict_decline(rt, charge_pm, off_session=off_session)
            if decline is not None:
                raise decline_error(decline)
    before = rt.render(sub)
    old_cancel_at = sub["cancel_at"]
    if "discounts" in params:
        set_discounts(rt, sub, params["discounts"])
    _apply_simple_fields(rt, sub, params, pm)
    ends_trial_now = trials.apply_update(rt, sub, params)
    if plan is None:
        reprorate_cancel_at(rt, sub, old_cancel_at, sub["cancel_at"], behavior=behavior)
    if ends_trial_now:
        # The trial ends now: its renewal (the first paid period) happens at once.
        from fakestripe.billing_engine import HANDLERS

        HANDLERS["renew"](rt, sub["id"])
        return rt.render(sub)
    if plan is not None:
        apply_change(
            rt, sub, plan, proration_behavior=behavior, before=before, off_session=off_session
        )
    else:
        emit_updated(rt, "customer.subscription.updated", sub, before)
    return rt.render(sub)


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
        prorate=params.get("prorate", False),
        invoice_now=params.get("invoice_now", False),
    )
    return rt.render(sub)


@api(bp, "/v1/subscriptions/<sub_id>/pause", "POST", PAUSE)
def pause_subscription(rt: Runtime, params: dict[str, Any], sub_id: str) -> dict[str, Any]:
    sub = rt.store.require("subscription", sub_id)
    # `subscription` is the only type there is; metered usage (outstanding_usage_through) is
    # not implemented, so there is none to bill.
    touch(params, "type")
    bill_for = params.get("bill_for") or {}
    touch(bill_for.get("outstanding_usage_through") or {}, "type")
    pause(
        rt,
        sub,
        unused_time_from=(bill_for.get("unused_time_from") or {}).get("type", "now"),
        invoicing_behavior=params.get("invoicing_behavior", "pending_invoice_item"),
    )
    return rt.render(sub)


@api(bp, "/v1/subscriptions/<sub_id>/resume", "POST", RESUME)
def resume_subscription(rt: Runtime, params: dict[str, Any], sub_id: str) -> dict[str, Any]:
    sub = rt.store.require("subscription", sub_id)
    anchor = (params.get("billing_cycle_anchor") or {}).get("type", "now")
    proration_date = params.get("proration_date")
    if proration_date is not None and not (
        current_period(rt, sub)[0] <= proration_date <= rt.now()
    ):
        raise invalid(
            "proration_date must be within the subscription's current billing period.",
            param="proration_date",
        )
    resume(
        rt,
        sub,
        anchor=anchor,
        proration_behavior=params.get("proration_behavior", "create_prorations"),
        proration_date=proration_date,
        payment_behavior=params.get("payment_behavior", "resume_on_payment_attempt"),
    )
    return rt.render(sub)


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
