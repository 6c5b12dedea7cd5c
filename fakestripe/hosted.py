"""Hosted pages: checkout (with a 3-D Secure step), the billing portal, invoices, receipts.

They are plain HTML forms (no JavaScript) so that tests can drive them with an HTTP client and
people can use them in any browser. Every POST answers with a redirect or a re-rendered page.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from fakestripe import portal
from fakestripe.api.base import runtime
from fakestripe.cards import CARDS, card_for
from fakestripe.charging import card_from_input
from fakestripe.checkout_flow import (
    AuthenticationRequired,
    CardEntry,
    pay_session,
    session_email,
    success_redirect,
)
from fakestripe.completion import pending as completion_pending
from fakestripe.completion import run_completion
from fakestripe.errors import StripeError
from fakestripe.money import format_amount, format_interval, price_label
from fakestripe.objects.billing import subscription_items
from fakestripe.periods import fmt_date

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("hosted", __name__)

PORTAL_NOTICES = {
    "canceled": "Your subscription will be canceled at the end of the billing period.",
    "renewed": "Your subscription will continue.",
    "switched": "Your plan has been changed.",
    "card": "Your card has been saved.",
    "card_paid": "Your card has been saved and your overdue invoice is paid.",
}

PRORATION_NOTES = {
    "create_prorations": (
        "Switching plans credits unused time and charges the difference on your next invoice."
    ),
    "always_invoice": "Switching plans charges (or credits) the difference right away.",
    "none": "The new price applies from your next billing period.",
}


def _page(template: str, status: int = 200, **context: Any) -> Response:
    rt = runtime()
    html = render_template(template, business_name=rt.settings.business_name, **context)
    return Response(html, status=status, mimetype="text/html")


def error_page(status: int, message: str) -> Response:
    headings = {404: "Page not found", 405: "Not allowed", 413: "Request too large"}
    return _page(
        "message.html",
        status,
        heading=headings.get(status, "Something went wrong"),
        message=message,
        link=None,
        link_label=None,
    )


def _test_cards() -> list[dict[str, str]]:
    return [{"number": c.number, "label": c.label} for c in CARDS.values()]


@bp.get("/")
def index() -> Response:
    return _page(
        "message.html",
        heading="fakestripe",
        message="A local Stripe stand-in. Checkout and portal pages open from the links the "
        "API returns.",
        link=None,
        link_label=None,
    )


# --- checkout -----------------------------------------------------------------------------


def _checkout_context(rt: Runtime, session: dict[str, Any]) -> dict[str, Any]:
    items = rt.store.private(session["id"]).get("line_items", [])
    lines, interval_label, names = [], "", []
    for item in items:
        price = rt.store.get("price", item["price"]) or {}
        product = rt.store.get("product", price.get("product")) or {}
        names.append(product.get("name") or item["description"] or "Item")
        interval = format_interval(price.get("recurring"))
        interval_label = interval_label or interval
        lines.append(
            {
                "name": names[-1],
                "quantity": item["quantity"],
                "amount": format_amount(item["amount_total"], item["currency"]),
                "detail": interval.capitalize() if interval else None,
            }
        )
    subscription = session["mode"] == "subscription"
    heading = (
        f"Subscribe to {names[0]}"
        if subscription and len(names) == 1
        else (f"Pay {rt.settings.business_name}")
    )
    return {
        "session": session,
        "lines": lines,
        "heading": heading,
        "total_label": format_amount(session["amount_total"], session["currency"]),
        "interval_label": interval_label if subscription else "",
        "known_email": session_email(rt, session),
        "submit_label": "Subscribe" if subscription else "Pay",
        "test_cards": _test_cards(),
        "action": url_for("hosted.checkout_submit", session_id=session["id"]),
    }


def _closed_page(session: dict[str, Any]) -> Response:
    if session["status"] in {"open", "complete"}:
        return _page(
            "message.html",
            heading="Payment complete",
            message="This checkout session is already paid.",
            link=success_redirect(session) or None,
            link_label="Continue",
        )
    return _page(
        "message.html",
        410,
        heading="This checkout session has expired",
        message="Start again from the site to get a new payment page.",
        link=session["cancel_url"],
        link_label="Back",
    )


def _open_session(rt: Runtime, session_id: str) -> tuple[dict[str, Any], Response | None]:
    """The checkout session, or the page to show instead: unknown, or no longer open."""
    session = rt.store.get("checkout.session", session_id)
    if session is None:
        return {}, error_page(404, "This checkout page does not exist.")
    if session["status"] != "open" or completion_pending(rt, session_id):
        return session, _closed_page(session)
    return session, None


@bp.get("/c/pay/<session_id>")
def checkout_page(session_id: str) -> Response:
    rt = runtime()
    with rt.store.lock:
        session, refusal = _open_session(rt, session_id)
        if refusal is not None:
            return refusal
        return _page(
            "checkout.html",
            values={},
            error=None,
            error_param=None,
            **_checkout_context(rt, session),
        )


def _form_values() -> dict[str, str]:
    keys = ("email", "card_number", "expiry", "cvc", "name")
    return {k: request.form.get(k, "")[:200] for k in keys}


def _render_form_error(
    rt: Runtime, session: dict[str, Any], exc: StripeError, values: dict[str, str]
) -> Response:
    declined = exc.type == "card_error" and exc.param is None
    # After a decline the person picks another card, so the old number is not echoed back.
    kept = {**values, "cvc": "", **({"card_number": ""} if declined else {})}
    status = 402 if declined else 422
    return _page(
        "checkout.html",
        status,
        values=kept,
        error=exc.message,
        error_param=exc.param,
        **_checkout_context(rt, session),
    )


@bp.post("/c/pay/<session_id>")
def checkout_submit(session_id: str) -> Response:
    rt = runtime()
    values = _form_values()
    with rt.store.lock:
        session, refusal = _open_session(rt, session_id)
        if refusal is not None:
            return refusal
        try:
            card, month, year = card_from_input(
                rt, values["card_number"], values["expiry"], values["cvc"]
            )
            entry = CardEntry(
                card, month, year, values["name"].strip() or None, values["email"].strip() or None
            )
            pay_session(rt, session, entry)
        except AuthenticationRequired:
            token = secrets.token_urlsafe(16)
            rt.store.private(session_id)["pending_authentication"] = {
                "token": token,
                "number": card.number,
                "exp_month": month,
                "exp_year": year,
                "name": entry.name,
                "email": entry.email,
            }
            return _page(
                "authenticate.html",
                amount_label=format_amount(session["amount_total"], session["currency"]),
                last4=card.number[-4:],
                token=token,
                action=url_for("hosted.checkout_authenticate", session_id=session_id),
            )
        except StripeError as exc:
            return _render_form_error(rt, session, exc, values)
    return _completed(rt, session)


def _completed(rt: Runtime, session: dict[str, Any]) -> Response:
    """Finish the paid session (outside the lock, step by step) and send the person on."""
    run_completion(rt, session["id"], step_seconds=rt.settings.checkout_step_seconds)
    return redirect(success_redirect(session), code=303)


@bp.post("/c/pay/<session_id>/authenticate")
def checkout_authenticate(session_id: str) -> Response:
    rt = runtime()
    with rt.store.lock:
        session, refusal = _open_session(rt, session_id)
        if refusal is not None:
            return refusal
        pending = rt.store.private(session_id).get("pending_authentication")
        token = request.form.get("token", "")
        action = request.form.get("action", "")
        if (
            not pending
            or not secrets.compare_digest(pending["token"], token)
            or action not in {"approve", "decline"}
        ):
            return error_page(
                400, "This authentication request is no longer valid. Please pay again."
            )
        rt.store.private(session_id).pop("pending_authentication", None)
        entry = CardEntry(
            card_for(pending["number"]),
            pending["exp_month"],
            pending["exp_year"],
            pending["name"],
            pending["email"],
        )
        values = {
            "email": pending["email"] or "",
            "name": pending["name"] or "",
            "expiry": "",
            "cvc": "",
            "card_number": "",
        }
        try:
            pay_session(rt, session, entry, authentication=action)
        except StripeError as exc:
            return _render_form_error(rt, session, exc, values)
        except AuthenticationRequired:
            return error_page(400, "Authentication is still required.")
    return _completed(rt, session)


# --- billing portal -----------------------------------------------------------------------


def _portal_context(rt: Runtime, session: dict[str, Any], token: str) -> dict[str, Any]:
    customer = rt.store.get("customer", session["customer"]) or {
        "email": None,
        "name": None,
        "invoice_settings": {},
    }
    pm = rt.store.get(
        "payment_method", (customer.get("invoice_settings") or {}).get("default_payment_method")
    )
    subs = []
    for sub in portal.customer_subscriptions(rt, session["customer"]):
        items = subscription_items(rt, sub["id"])
        price = rt.store.get("price", items[0]["price"]) if items else None
        product = rt.store.get("product", price["product"]) if price else None
        if pm is None and sub["default_payment_method"]:
            pm = rt.store.get("payment_method", sub["default_payment_method"])
        manageable = sub["status"] in portal.MANAGEABLE
        if sub["status"] == "canceled":
            period_text = f"Canceled on {fmt_date(sub['ended_at'] or sub['canceled_at'])}"
        elif sub["cancel_at"]:
            period_text = f"Cancels on {fmt_date(sub['cancel_at'])}"
        elif items:
            period_text = f"Renews on {fmt_date(items[0]['current_period_end'])}"
        else:
            period_text = ""
        subs.append(
            {
                "id": sub["id"],
                "status": sub["status"],
                "status_label": sub["status"].replace("_", " "),
                "name": product["name"] if product else "Subscription",
                "price_label": price_label(price) if price else "",
                "period_text": period_text,
                "cancel_at_period_end": bool(sub["cancel_at"]),
                "manageable": manageable,
                "options": [
                    {"id": p["id"], "label": _option_label(rt, p)}
                    for p in portal.switch_options(rt, sub)
                ]
                if manageable
                else [],
            }
        )
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
    return {
        "customer": customer,
        "card": pm["card"] if pm else None,
        "subscriptions": subs,
        "invoices": invoices,
        "return_url": session["return_url"],
        "test_cards": _test_cards(),
        "proration_note": PRORATION_NOTES.get(rt.settings.portal_proration_behavior, ""),
        "action": url_for("hosted.portal_action", token=token),
    }


def _option_label(rt: Runtime, price: dict[str, Any]) -> str:
    product = rt.store.get("product", price["product"]) or {"name": price["product"]}
    label = f"{product['name']} — {price_label(price)}"
    if price.get("nickname"):
        label += f" ({price['nickname']})"
    return label


@bp.get("/p/session/<token>")
def portal_page(token: str) -> Response:
    rt = runtime()
    with rt.store.lock:
        session = portal.session_for_token(rt, token)
        if session is None:
            return error_page(404, "This billing portal link is not valid.")
        notice = PORTAL_NOTICES.get(request.args.get("notice", ""))
        return _page(
            "portal.html", notice=notice, error=None, **_portal_context(rt, session, token)
        )


@bp.post("/p/session/<token>")
def portal_action(token: str) -> Response:
    rt = runtime()
    with rt.store.lock:
        session = portal.session_for_token(rt, token)
        if session is None:
            return error_page(404, "This billing portal link is not valid.")
        customer_id = session["customer"]
        action = request.form.get("action", "")
        try:
            notice = _portal_do(rt, customer_id, action)
        except StripeError as exc:
            status = 402 if exc.type == "card_error" and exc.param is None else 422
            return _page(
                "portal.html",
                status,
                notice=None,
                error=exc.message,
                **_portal_context(rt, session, token),
            )
        return redirect(url_for("hosted.portal_page", token=token, notice=notice), code=303)


def _portal_do(rt: Runtime, customer_id: str, action: str) -> str:
    form = request.form
    if action == "update_card":
        customer = rt.store.require("customer", customer_id)
        card, month, year = card_from_input(
            rt, form.get("card_number", ""), form.get("expiry", ""), form.get("cvc", "")
        )
        entry = CardEntry(
            card, month, year, form.get("name", "").strip() or None, customer["email"]
        )
        paid = portal.update_card(rt, customer, entry)
        overdue_left = rt.store.all(
            "invoice", lambda i: i["customer"] == customer_id and i["status"] == "open"
        )
        if overdue_left and not paid:
            raise StripeError(
                "Your card was saved, but it was declined for the overdue invoice.",
                type_="card_error",
                code="card_declined",
                status=402,
            )
        return "card_paid" if paid else "card"
    if action not in {"cancel", "undo_cancel", "switch"}:
        raise StripeError("Unknown action.", param="action")
    sub = portal.owned_subscription(rt, customer_id, form.get("subscription", ""))
    if action == "cancel":
        portal.cancel_at_period_end(rt, sub)
        return "canceled"
    if action == "undo_cancel":
        portal.undo_cancel(rt, sub)
        return "renewed"
    portal.switch_price(rt, sub, form.get("price", ""))
    return "switched"


# --- documents ----------------------------------------------------------------------------


@bp.get("/i/<invoice_id>")
def invoice_page(invoice_id: str) -> Response:
    rt = runtime()
    with rt.store.lock:
        invoice = rt.store.get("invoice", invoice_id)
        if invoice is None:
            return error_page(404, "This invoice does not exist.")
        facts = [
            ("Invoice number", invoice["number"] or "(draft)"),
            ("Status", invoice["status"]),
            ("Date", fmt_date(invoice["created"])),
            ("Billed to", invoice["customer_email"] or invoice["customer"]),
            ("Amount due", format_amount(invoice["amount_due"], invoice["currency"])),
            ("Amount paid", format_amount(invoice["amount_paid"], invoice["currency"])),
        ]
        lines = [
            (line["description"], format_amount(line["amount"], line["currency"]))
            for line in invoice["lines"]["data"]
        ]
        return _page("document.html", heading="Invoice", facts=facts, lines=lines)


@bp.get("/receipts/<charge_id>")
def receipt_page(charge_id: str) -> Response:
    rt = runtime()
    with rt.store.lock:
        charge = rt.store.get("charge", charge_id)
        if charge is None:
            return error_page(404, "This receipt does not exist.")
        card = charge["payment_method_details"]["card"]
        facts = [
            ("Amount paid", format_amount(charge["amount"], charge["currency"])),
            ("Refunded", format_amount(charge["amount_refunded"], charge["currency"])),
            ("Date paid", fmt_date(charge["created"])),
            ("Payment method", f"{card['brand'].capitalize()} ending in {card['last4']}"),
            ("Description", charge["description"] or ""),
        ]
        return _page("document.html", heading="Receipt", facts=facts, lines=[])
