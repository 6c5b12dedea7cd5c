"""What a customer does in the billing portal, as its configuration allows: cancel (at period
end or at once, with a reason), undo that, switch price (now, or at the period's end through a
subscription schedule), pause and resume, replace the card (checked first, then used for what
is overdue) and change their name or email."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe.cancellation import cancel_now, set_cancel_at
from fakestripe.cards import REQUIRES_ACTION, charge_outcome
from fakestripe.changes import apply_change, plan_change
from fakestripe.charging import attach, decline_error, set_default_payment_method
from fakestripe.checkout_flow import CardEntry
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.invoicing import charge_invoice, subscription_id_of
from fakestripe.objects.billing import subscription_items
from fakestripe.objects.customers import build_payment_method
from fakestripe.pausing import pause, resume
from fakestripe.portal import MANAGEABLE, customer_subscriptions, feature, switch_options
from fakestripe.schedules import change_at_period_end
from fakestripe.subscriptions import ItemSpec, current_period, interval_of

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


def cancel(
    rt: Runtime,
    sub: dict[str, Any],
    config: dict[str, Any],
    *,
    feedback: str | None = None,
    comment: str | None = None,
) -> str:
    """Returns what happened: ``canceled`` (at period end) or ``ended`` (now)."""
    settings = feature(config, "subscription_cancel")
    if not settings["enabled"]:
        raise invalid("Cancelling is not available here.", param="action")
    reason = settings["cancellation_reason"]
    if feedback and (not reason["enabled"] or feedback not in reason["options"]):
        raise invalid("Choose one of the reasons offered.", param="feedback")
    if settings["mode"] == "immediately":
        behavior = settings["proration_behavior"]
        cancel_now(
            rt,
            sub,
            reason="cancellation_requested",
            feedback=feedback,
            comment=comment,
            prorate=behavior != "none",
            invoice_now=behavior == "always_invoice",
        )
        return "ended"
    before = rt.render(sub)
    set_cancel_at(rt, sub, current_period(rt, sub)[1])
    if feedback:
        sub["cancellation_details"]["feedback"] = feedback
    if comment:
        sub["cancellation_details"]["comment"] = comment
    emit_updated(rt, "customer.subscription.updated", sub, before)
    return "canceled"


def undo_cancel(rt: Runtime, sub: dict[str, Any]) -> None:
    before = rt.render(sub)
    set_cancel_at(rt, sub, None)
    emit_updated(rt, "customer.subscription.updated", sub, before)


def _waits_for_period_end(
    rt: Runtime, sub: dict[str, Any], config: dict[str, Any], new_prices: list[dict[str, Any]]
) -> bool:
    """``schedule_at_period_end``: a downgrade (less per period) or a shorter interval waits
    for the renewal instead of applying now."""
    conditions = {
        c["type"]
        for c in feature(config, "subscription_update")["schedule_at_period_end"]["conditions"]
    }
    items = subscription_items(rt, sub["id"])
    old_prices = [rt.store.require("price", i["price"]) for i in items]
    if "decreasing_item_amount" in conditions and any(
        new["unit_amount"] < old["unit_amount"]
        for old, new in zip(old_prices, new_prices, strict=False)
    ):
        return True
    if "shortening_interval" in conditions:
        return _interval_days(new_prices[0]) < _interval_days(old_prices[0])
    return False


def _interval_days(price: dict[str, Any]) -> int:
    interval, count = interval_of(price)
    return {"day": 1, "week": 7, "month": 30, "year": 365}[interval] * count


def switch_price(rt: Runtime, sub: dict[str, Any], config: dict[str, Any], price_id: str) -> str:
    """Returns ``switched`` or ``scheduled`` (the change waits for the period's end)."""
    if price_id not in {p["id"] for p in switch_options(rt, sub, config)}:
        raise invalid("That price is not available for this subscription.", param="price")
    first = subscription_items(rt, sub["id"])[0]
    return confirm_update(rt, sub, config, [{"id": first["id"], "price": price_id}])


def confirm_update(
    rt: Runtime, sub: dict[str, Any], config: dict[str, Any], items: list[dict[str, Any]]
) -> str:
    settings = feature(config, "subscription_update")
    new_prices = [rt.store.require("price", item["price"]) for item in items]
    if _waits_for_period_end(rt, sub, config, new_prices):
        current = {i["id"]: i for i in subscription_items(rt, sub["id"])}
        change_at_period_end(
            rt,
            sub,
            [
                ItemSpec(price, item.get("quantity", current[item["id"]]["quantity"]))
                for item, price in zip(items, new_prices, strict=True)
            ],
        )
        return "scheduled"
    behavior = settings["proration_behavior"]
    plan = plan_change(
        rt,
        sub,
        [{"id": i["id"], "price": i["price"]} for i in items],
        proration_behavior=behavior,
        proration_date=None,
        reset_anchor=settings["billing_cycle_anchor"] == "now",
    )
    apply_change(rt, sub, plan, proration_behavior=behavior, before=rt.render(sub))
    return "switched"


def pause_now(rt: Runtime, sub: dict[str, Any], config: dict[str, Any]) -> None:
    if not feature(config, "subscription_pause")["enabled"]:
        raise invalid("Pausing is not available here.", param="action")
    pause(rt, sub)


def resume_now(rt: Runtime, sub: dict[str, Any], config: dict[str, Any]) -> None:
    # The portal resumes paused subscriptions whenever pausing is offered; payment is taken
    # in the same step, so the subscription is active once it succeeds.
    if not feature(config, "subscription_pause")["enabled"]:
        raise invalid("Resuming is not available here.", param="action")
    resume(rt, sub, payment_behavior="resume_on_payment_success")


def update_customer(
    rt: Runtime, customer: dict[str, Any], config: dict[str, Any], form: dict[str, str]
) -> None:
    settings = feature(config, "customer_update")
    if not settings["enabled"]:
        raise invalid("Changing your details is not available here.", param="action")
    before = rt.render(customer)
    for key in settings["allowed_updates"]:
        value = (form.get(key) or "").strip()
        if key == "email" and "@" not in value:
            raise invalid("Enter a valid email address.", param="email")
        if value:
            customer[key] = value
    emit_updated(rt, "customer.updated", customer, before)


def update_card(
    rt: Runtime, customer: dict[str, Any], config: dict[str, Any], entry: CardEntry
) -> list[str]:
    """Check the card as Stripe's portal does (a SetupIntent): a declined card is refused and
    saved nowhere. Then save it as the default everywhere and retry overdue invoices with it.
    Returns the ids of invoices that are now paid."""
    if not feature(config, "payment_method_update")["enabled"]:
        raise invalid("Updating the card is not available here.", param="action")
    outcome = charge_outcome(entry.card, off_session=False)
    # The person is on the page: a 3-D Secure check on setup counts as passed.
    if outcome is not None and outcome != REQUIRES_ACTION:
        raise decline_error(outcome)
    pm = build_payment_method(
        rt,
        entry.card,
        exp_month=entry.exp_month,
        exp_year=entry.exp_year,
        name=entry.name,
        email=customer["email"],
    )
    attach(rt, pm, customer["id"])
    set_default_payment_method(rt, customer, pm["id"])
    subs = [s for s in customer_subscriptions(rt, customer["id"]) if s["status"] in MANAGEABLE]
    for sub in subs:
        before = rt.render(sub)
        sub["default_payment_method"] = pm["id"]
        emit_updated(rt, "customer.subscription.updated", sub, before)
    paid = []
    sub_ids = {s["id"] for s in subs}
    overdue = rt.store.all(
        "invoice",
        lambda i: (
            i["status"] in {"open", "uncollectible"}
            and i["customer"] == customer["id"]
            and subscription_id_of(i) in sub_ids
        ),
    )
    for invoice in reversed(overdue):
        if charge_invoice(rt, invoice, pm=pm, automatic=False) is None:
            paid.append(invoice["id"])
    return paid
