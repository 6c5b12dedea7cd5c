"""The hosted billing portal: the home page (what the session's configuration allows) and the
focused pages of ``flow_data`` sessions, which end as ``after_completion`` says."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Response, redirect, request, url_for

from fakestripe import portal, portal_actions
from fakestripe.api.base import runtime
from fakestripe.charging import card_from_input
from fakestripe.checkout_flow import CardEntry
from fakestripe.errors import StripeError
from fakestripe.hosted import bp, error_page, page, test_cards
from fakestripe.money import format_amount, price_label
from fakestripe.objects.billing import subscription_items
from fakestripe.periods import fmt_date

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

NOTICES = {
    "canceled": "Your subscription will be canceled at the end of the billing period.",
    "ended": "Your subscription has been canceled.",
    "renewed": "Your subscription will continue.",
    "switched": "Your plan has been changed.",
    "scheduled": "Your plan will change at the end of the billing period.",
    "paused": "Your subscription is paused.",
    "resumed": "Your subscription has been resumed.",
    "card": "Your card has been saved.",
    "card_paid": "Your card has been saved and your overdue invoice is paid.",
    "details": "Your details have been saved.",
}
PRORATION_NOTES = {
    "create_prorations": (
        "Switching plans credits unused time and charges the difference on your next invoice."
    ),
    "always_invoice": "Switching plans charges (or credits) the difference right away.",
    "none": "The new price applies from your next billing period.",
}
HEADINGS = {
    "payment_method_update": "Update your payment method",
    "customer_update": "Update your details",
    "subscription_cancel": "Cancel your subscription",
    "subscription_pause": "Pause your subscription",
    "subscription_update": "Change your plan",
    "subscription_update_confirm": "Confirm your new plan",
}
REASON_LABELS = {
    "customer_service": "Customer service was less than expected",
    "low_quality": "Quality was less than expected",
    "missing_features": "Some features are missing",
    "other": "Other reason",
    "switched_service": "I'm switching to a different service",
    "too_complex": "Ease of use was less than expected",
    "too_expensive": "It's too expensive",
    "unused": "I don't use the service enough",
}


def _open_flow(rt: Runtime, session: dict[str, Any]) -> dict[str, Any] | None:
    """The session's flow while it is not done yet."""
    flow = session["flow"]
    if flow is None or rt.store.private(session["id"]).get("flow_done"):
        return None
    return flow


def _flow_subscription(flow: dict[str, Any] | None) -> str | None:
    if flow is None:
        return None
    details = flow.get(flow["type"]) or {}
    return details.get("subscription")


def _subscription_view(
    rt: Runtime, sub: dict[str, Any], config: dict[str, Any], flow: str | None
) -> dict[str, Any]:
    items = subscription_items(rt, sub["id"])
    price = rt.store.get("price", items[0]["price"]) if items else None
    product = rt.store.get("product", price["product"]) if price else None
    if sub["status"] == "canceled":
        period_text = f"Canceled on {fmt_date(sub['ended_at'] or sub['canceled_at'])}"
    elif sub["cancel_at"]:
        period_text = f"Cancels on {fmt_date(sub['cancel_at'])}"
    elif sub["status"] == "paused":
        period_text = "Paused"
    elif items:
        period_text = f"Renews on {fmt_date(items[0]['current_period_end'])}"
    else:
        period_text = ""
    manageable = sub["status"] in (*portal.MANAGEABLE, "paused")
    cancel = portal.feature(config, "subscription_cancel")
    pausing = portal.feature(config, "subscription_pause")["enabled"]

    def shows(kind: str) -> bool:
        return flow in {None, kind}

    options = (
        portal.switch_options(rt, sub, config)
        if manageable and shows("subscription_update")
        else []
    )
    return {
        "id": sub["id"],
        "status": sub["status"],
        "status_label": sub["status"].replace("_", " "),
        "name": product["name"] if product else "Subscription",
        "price_label": price_label(price) if price else "",
        "period_text": period_text,
        "manageable": manageable and flow != "subscription_update_confirm",
        "can_undo": bool(sub["cancel_at"]) and not sub["schedule"] and flow is None,
        "can_cancel": cancel["enabled"]
        and not sub["cancel_at"]
        and sub["status"] != "paused"
        and shows("subscription_cancel"),
        "can_pause": pausing
        and sub["status"] == "active"
        and not sub["schedule"]
        and shows("subscription_pause"),
        "can_resume": pausing and sub["status"] == "paused" and flow is None,
        "options": [{"id": p["id"], "label": _option_label(rt, p)} for p in options],
    }


def _option_label(rt: Runtime, price: dict[str, Any]) -> str:
    product = rt.store.get("product", price["product"]) or {"name": price["product"]}
    label = f"{product['name']} — {price_label(price)}"
    if price.get("nickname"):
        label += f" ({price['nickname']})"
    return label


def _confirm_view(rt: Runtime, flow: dict[str, Any]) -> dict[str, Any] | None:
    from fakestripe.previews import preview_change

    details = flow["subscription_update_confirm"]
    sub = rt.store.get("subscription", details["subscription"])
    if sub is None:
        return None
    old = rt.store.get("price", subscription_items(rt, sub["id"])[0]["price"])
    new = rt.store.get("price", details["items"][0]["price"])
    product = rt.store.get("product", new["product"]) or {"name": "Subscription"}
    preview = preview_change(rt, sub, {"items": details["items"]}, [])
    return {
        "subscription": sub["id"],
        "name": product["name"],
        "old_label": price_label(old),
        "new_label": price_label(new),
        "note": f"Your next invoice: {format_amount(preview['amount_due'], preview['currency'])}.",
    }


def _context(rt: Runtime, session: dict[str, Any], token: str) -> dict[str, Any]:
    config = portal.configuration_of(rt, session)
    flow = _open_flow(rt, session)
    kind = flow["type"] if flow else None
    customer = rt.store.get("customer", session["customer"]) or {
        "email": None,
        "name": None,
        "invoice_settings": {},
    }
    pm = rt.store.get(
        "payment_method", (customer.get("invoice_settings") or {}).get("default_payment_method")
    )
    only = _flow_subscription(flow)
    subs = []
    for sub in portal.customer_subscriptions(rt, session["customer"]):
        if pm is None and sub["default_payment_method"]:
            pm = rt.store.get("payment_method", sub["default_payment_method"])
        if kind in {"payment_method_update", "customer_update"} or (only and sub["id"] != only):
            continue
        subs.append(_subscription_view(rt, sub, config, kind))
    invoices = [
        {
            "date": fmt_date(inv["created"]),
            "amount": format_amount(inv["total"], inv["currency"]),
            "status": inv["status"],
            "url": url_for("hosted.invoice_page", invoice_id=inv["id"]),
        }
        for inv in rt.store.all(
            "invoice", lambda i: i["customer"] == session["customer"] and i["status"] != "draft"
        )
    ]
    cancel = portal.feature(config, "subscription_cancel")
    reasons = cancel["cancellation_reason"]
    profile = config["business_profile"]
    return {
        "heading": HEADINGS.get(kind or "", "Subscriptions"),
        "flow": kind,
        "confirm": _confirm_view(rt, flow) if kind == "subscription_update_confirm" else None,
        "features": config["features"],
        "headline": profile["headline"],
        "policies": [
            (label, profile[key])
            for label, key in (
                ("Privacy policy", "privacy_policy_url"),
                ("Terms of service", "terms_of_service_url"),
            )
            if profile[key]
        ],
        "cancel": {
            "label": "Cancel now" if cancel["mode"] == "immediately" else "Cancel at end of period",
            "reasons": [(o, REASON_LABELS[o]) for o in reasons["options"]]
            if reasons["enabled"]
            else [],
        },
        "customer": customer,
        "card": pm["card"] if pm else None,
        "subscriptions": subs,
        "invoices": invoices,
        "return_url": session["return_url"],
        "test_cards": test_cards(),
        "proration_note": PRORATION_NOTES.get(
            portal.feature(config, "subscription_update")["proration_behavior"], ""
        ),
        "action": url_for("hosted.portal_action", token=token),
        "home": url_for("hosted.portal_page", token=token, home=1),
    }


@bp.get("/p/session/<token>")
def portal_page(token: str) -> Response:
    rt = runtime()
    with rt.store.lock:
        session = portal.session_for_token(rt, token)
        if session is None:
            return error_page(404, "This billing portal link is not valid.")
        if request.args.get("home") and session["flow"]:
            # "All billing settings": the flow is left for the portal's home page.
            rt.store.private(session["id"])["flow_done"] = True
        notice = NOTICES.get(request.args.get("notice", ""))
        return page("portal.html", notice=notice, error=None, **_context(rt, session, token))


@bp.post("/p/session/<token>")
def portal_action(token: str) -> Response:
    rt = runtime()
    with rt.store.lock:
        session = portal.session_for_token(rt, token)
        if session is None:
            return error_page(404, "This billing portal link is not valid.")
        flow = _open_flow(rt, session)
        try:
            notice = _do(rt, session, request.form.get("action", ""), flow)
        except StripeError as exc:
            status = 402 if exc.type == "card_error" and exc.param is None else 422
            return page(
                "portal.html",
                status,
                notice=None,
                error=exc.message,
                **_context(rt, session, token),
            )
        if flow is not None:
            return _after_completion(rt, session, token, flow, notice)
        return redirect(url_for("hosted.portal_page", token=token, notice=notice), code=303)


def _after_completion(
    rt: Runtime, session: dict[str, Any], token: str, flow: dict[str, Any], notice: str
) -> Response:
    rt.store.private(session["id"])["flow_done"] = True
    after = flow["after_completion"]
    if after["type"] == "redirect":
        return redirect(after["redirect"]["return_url"], code=303)
    if after["type"] == "hosted_confirmation":
        custom = (after["hosted_confirmation"] or {}).get("custom_message")
        return page(
            "message.html",
            heading="Done",
            message=custom or NOTICES.get(notice, "Done."),
            link=session["return_url"],
            link_label=f"Return to {rt.settings.business_name}",
        )
    return redirect(url_for("hosted.portal_page", token=token, notice=notice), code=303)


def _allowed(flow: dict[str, Any] | None, action: str, sub_id: str | None) -> None:
    """A flow session does the flow's one thing, for the flow's one subscription."""
    if flow is None:
        return
    kinds = {
        "update_card": "payment_method_update",
        "update_customer": "customer_update",
        "cancel": "subscription_cancel",
        "pause": "subscription_pause",
        "switch": "subscription_update",
        "confirm_update": "subscription_update_confirm",
    }
    if kinds.get(action) != flow["type"] or (sub_id and sub_id != _flow_subscription(flow)):
        raise StripeError("That is not what this page is for.", param="action")


def _do(rt: Runtime, session: dict[str, Any], action: str, flow: dict[str, Any] | None) -> str:
    form = request.form
    config = portal.configuration_of(rt, session)
    customer = rt.store.require("customer", session["customer"])
    sub_id = form.get("subscription") or None
    _allowed(flow, action, sub_id)
    if action == "update_card":
        return _update_card(rt, customer, config)
    if action == "update_customer":
        portal_actions.update_customer(rt, customer, config, dict(form))
        return "details"
    if action not in SUBSCRIPTION_ACTIONS:
        raise StripeError("Unknown action.", param="action")
    sub = portal.owned_subscription(rt, customer["id"], sub_id or "")
    return SUBSCRIPTION_ACTIONS[action](rt, sub, config, flow)


def _update_card(rt: Runtime, customer: dict[str, Any], config: dict[str, Any]) -> str:
    form = request.form
    card, month, year = card_from_input(
        rt, form.get("card_number", ""), form.get("expiry", ""), form.get("cvc", "")
    )
    entry = CardEntry(card, month, year, form.get("name", "").strip() or None, None)
    paid = portal_actions.update_card(rt, customer, config, entry)
    overdue_left = rt.store.all(
        "invoice", lambda i: i["customer"] == customer["id"] and i["status"] == "open"
    )
    if overdue_left and not paid:
        raise StripeError(
            "Your card was saved, but it was declined for the overdue invoice.",
            type_="card_error",
            code="card_declined",
            status=402,
        )
    return "card_paid" if paid else "card"


def _cancel(rt: Runtime, sub: dict[str, Any], config: dict[str, Any], flow: Any) -> str:
    form = request.form
    return portal_actions.cancel(
        rt,
        sub,
        config,
        feedback=form.get("feedback") or None,
        comment=(form.get("comment") or "").strip()[:500] or None,
    )


def _undo(rt: Runtime, sub: dict[str, Any], config: dict[str, Any], flow: Any) -> str:
    portal_actions.undo_cancel(rt, sub)
    return "renewed"


def _pause(rt: Runtime, sub: dict[str, Any], config: dict[str, Any], flow: Any) -> str:
    portal_actions.pause_now(rt, sub, config)
    return "paused"


def _resume(rt: Runtime, sub: dict[str, Any], config: dict[str, Any], flow: Any) -> str:
    portal_actions.resume_now(rt, sub, config)
    return "resumed"


def _confirm(rt: Runtime, sub: dict[str, Any], config: dict[str, Any], flow: Any) -> str:
    if flow is None:
        raise StripeError("There is no change to confirm.", param="action")
    items = flow["subscription_update_confirm"]["items"]
    return portal_actions.confirm_update(rt, sub, config, items)


def _switch(rt: Runtime, sub: dict[str, Any], config: dict[str, Any], flow: Any) -> str:
    return portal_actions.switch_price(rt, sub, config, request.form.get("price", ""))


SUBSCRIPTION_ACTIONS = {
    "cancel": _cancel,
    "undo_cancel": _undo,
    "pause": _pause,
    "resume": _resume,
    "confirm_update": _confirm,
    "switch": _switch,
}
