"""Trials: a subscription ``trialing`` until ``trial_end``, with a free first invoice; its
first paid period starts then (the billing cycle anchor). Three days before, Stripe sends
``customer.subscription.trial_will_end``. At the end, without a payment method,
``trial_settings.end_behavior.missing_payment_method`` decides: invoice anyway
(``create_invoice``), ``cancel``, or ``pause`` (endive: ``status_details`` says why)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.invoicing import LineSpec, default_payment_method
from fakestripe.objects.billing import subscription_items
from fakestripe.periods import DAY
from fakestripe.tracking import touch

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

MAX_TRIAL_DAYS = 730
NOTICE = 3 * DAY


def trial_line(
    rt: Runtime, price: dict[str, Any], quantity: int, period: tuple[int, int], item_id: str
) -> LineSpec:
    product = rt.store.get("product", price["product"]) or {"name": price["product"]}
    return LineSpec(
        amount=0,
        description=f"Trial period for {product['name']}",
        price=price,
        quantity=quantity,
        period=period,
        subscription_item=item_id,
    )


def start(rt: Runtime, sub: dict[str, Any], trial_end: int, missing_payment_method: str) -> None:
    """``sub`` (just built) is trialing until ``trial_end``, which anchors its billing."""
    sub.update(
        status="trialing",
        trial_start=sub["created"],
        trial_end=trial_end,
        billing_cycle_anchor=trial_end,
        trial_settings={"end_behavior": {"missing_payment_method": missing_payment_method}},
    )
    # The first paid period is counted from the anchor.
    rt.store.private(sub["id"])["cycle"] = 0


def move_end(rt: Runtime, sub: dict[str, Any], trial_end: int) -> None:
    """A trialing subscription's trial now ends at ``trial_end`` (later or sooner)."""
    sub.update(trial_end=trial_end, billing_cycle_anchor=trial_end)
    rt.store.private(sub["id"]).update(cycle=0, trial_notice_sent=None)
    for item in subscription_items(rt, sub["id"]):
        item["current_period_end"] = trial_end
    rt.store.mark_dirty()


def notice_due(rt: Runtime, sub: dict[str, Any]) -> int | None:
    if sub["status"] != "trialing" or not sub["trial_end"]:
        return None
    if rt.store.private(sub["id"]).get("trial_notice_sent") == sub["trial_end"]:
        return None
    at = sub["trial_end"] - NOTICE
    return at if at > sub["trial_start"] else None


def send_notice(rt: Runtime, sub: dict[str, Any]) -> None:
    rt.store.private(sub["id"])["trial_notice_sent"] = sub["trial_end"]
    rt.store.mark_dirty()
    rt.emit("customer.subscription.trial_will_end", sub)


def end(rt: Runtime, sub: dict[str, Any]) -> bool:
    """The trial is over (the renewal at ``trial_end`` is due). Returns whether the renewal
    should invoice: False when the subscription was canceled or paused for want of a card."""
    customer = rt.store.require("customer", sub["customer"])
    if default_payment_method(rt, sub, customer) is None:
        behavior = sub["trial_settings"]["end_behavior"]["missing_payment_method"]
        if behavior == "cancel":
            from fakestripe.cancellation import cancel_now

            cancel_now(rt, sub, reason="payment_failed")
            return False
        if behavior == "pause":
            before = rt.render(sub)
            sub.update(
                status="paused",
                status_details={
                    "paused": {
                        "subscription": {"type": "trial_end_without_payment_method"},
                        "transitioned_at": rt.now(),
                        "type": "subscription",
                    }
                },
            )
            rt.emit("customer.subscription.paused", sub)
            emit_updated(rt, "customer.subscription.updated", sub, before)
            return False
    sub["status"] = "active"
    return True


def trial_end_from(rt: Runtime, params: dict[str, Any]) -> int | None:
    """``trial_end`` (``now``: no trial) or ``trial_period_days`` from now."""
    now = rt.now()
    if "trial_end" in params and "trial_period_days" in params:
        raise invalid(
            "You may only specify one of these parameters: trial_end, trial_period_days.",
            param="trial_period_days",
            code="parameters_exclusive",
        )
    days = params.get("trial_period_days")
    if days:
        return now + days * DAY
    value = params.get("trial_end")
    if value is None or value == "now" or days == 0:
        return None
    if value <= now:
        raise invalid("trial_end must be in the future.", param="trial_end")
    if value > now + MAX_TRIAL_DAYS * DAY:
        raise invalid(
            f"trial_end can be no more than {MAX_TRIAL_DAYS} days in the future.",
            param="trial_end",
        )
    return value


def missing_pm_behavior(params: dict[str, Any]) -> str:
    settings = (params.get("trial_settings") or {}).get("end_behavior") or {}
    touch(settings, "billing_cycle_anchor")
    return settings.get("missing_payment_method", "create_invoice")


def apply_update(rt: Runtime, sub: dict[str, Any], params: dict[str, Any]) -> bool:
    """``trial_end`` moves a trial's end (``now`` ends it: returns True); ``trial_settings``
    changes what happens at its end without a card."""
    if "trial_settings" in params:
        sub["trial_settings"]["end_behavior"]["missing_payment_method"] = missing_pm_behavior(
            params
        )
    if "trial_end" not in params:
        return False
    if sub["status"] != "trialing":
        raise invalid(
            "fakestripe does not implement giving a trial to a subscription that is not trialing.",
            param="trial_end",
        )
    value = params["trial_end"]
    now = rt.now()
    if value == "now":
        move_end(rt, sub, now)
        send_notice(rt, sub)
        return True
    if not now < value <= now + MAX_TRIAL_DAYS * DAY:
        raise invalid(
            f"trial_end must be in the future, and no more than {MAX_TRIAL_DAYS} days ahead.",
            param="trial_end",
        )
    move_end(rt, sub, value)
    notify_if_near(rt, sub)
    return False


def notify_if_near(rt: Runtime, sub: dict[str, Any]) -> None:
    """Stripe sends ``trial_will_end`` at once when a trial starts, or is moved, with fewer
    than three days left."""
    if sub["status"] == "trialing" and sub["trial_end"] - NOTICE <= rt.now():
        send_notice(rt, sub)
