"""What a customer can do in the billing portal: cancel or un-cancel at period end, switch
price, and replace the card (which retries what is overdue)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe.cancellation import set_cancel_at
from fakestripe.changes import apply_change, plan_change
from fakestripe.charging import attach, set_default_payment_method
from fakestripe.checkout_flow import CardEntry
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.invoicing import charge_invoice, subscription_id_of
from fakestripe.objects.billing import subscription_items
from fakestripe.objects.customers import build_payment_method
from fakestripe.subscriptions import current_period

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

MANAGEABLE = ("active", "past_due", "unpaid", "trialing")


def session_for_token(rt: Runtime, token: str) -> dict[str, Any] | None:
    session_id = rt.store.internal.get("_portal_tokens", {}).get(token)
    return rt.store.get("billing_portal.session", session_id) if session_id else None


def customer_subscriptions(rt: Runtime, customer_id: str) -> list[dict[str, Any]]:
    return rt.store.all("subscription", lambda s: s["customer"] == customer_id)


def owned_subscription(rt: Runtime, customer_id: str, sub_id: str) -> dict[str, Any]:
    sub = rt.store.get("subscription", sub_id)
    if sub is None or sub["customer"] != customer_id:
        raise invalid("That subscription does not belong to this customer.", param="subscription")
    if sub["status"] not in MANAGEABLE:
        raise invalid(
            f"This subscription is {sub['status']}; it cannot be changed.", param="subscription"
        )
    return sub


def switch_options(rt: Runtime, sub: dict[str, Any]) -> list[dict[str, Any]]:
    """Other active recurring prices in the subscription's currency."""
    current = {i["price"] for i in subscription_items(rt, sub["id"])}
    return [
        p
        for p in rt.store.all("price")
        if p["active"]
        and p["type"] == "recurring"
        and p["currency"] == sub["currency"]
        and p["id"] not in current
    ][::-1]


def cancel_at_period_end(rt: Runtime, sub: dict[str, Any]) -> None:
    before = rt.render(sub)
    set_cancel_at(rt, sub, current_period(rt, sub)[1])
    emit_updated(rt, "customer.subscription.updated", sub, before)


def undo_cancel(rt: Runtime, sub: dict[str, Any]) -> None:
    before = rt.render(sub)
    set_cancel_at(rt, sub, None)
    emit_updated(rt, "customer.subscription.updated", sub, before)


def switch_price(rt: Runtime, sub: dict[str, Any], price_id: str) -> None:
    if price_id not in {p["id"] for p in switch_options(rt, sub)}:
        raise invalid("That price is not available for this subscription.", param="price")
    items = subscription_items(rt, sub["id"])
    behavior = rt.settings.portal_proration_behavior
    plan = plan_change(
        rt,
        sub,
        [{"id": items[0]["id"], "price": price_id}],
        proration_behavior=behavior,
        proration_date=None,
    )
    before = rt.render(sub)
    apply_change(rt, sub, plan, proration_behavior=behavior, before=before)


def update_card(rt: Runtime, customer: dict[str, Any], entry: CardEntry) -> list[str]:
    """Save the card as the default everywhere, then retry overdue invoices with it.
    Returns the ids of invoices that are now paid."""
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
            i["status"] == "open"
            and i["customer"] == customer["id"]
            and subscription_id_of(i) in sub_ids
        ),
    )
    for invoice in reversed(overdue):
        if charge_invoice(rt, invoice, pm=pm, automatic=False) is None:
            paid.append(invoice["id"])
    return paid
