"""The hosted Checkout page: card form, 3-D Secure step, declines shown on the page."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from flask import Response, redirect, request, url_for

from fakestripe import checkout_discounts
from fakestripe.api.base import runtime
from fakestripe.cards import card_for
from fakestripe.charging import card_from_input
from fakestripe.checkout_flow import (
    AuthenticationRequired,
    CardEntry,
    card_optional,
    pay_session,
    session_email,
    success_redirect,
)
from fakestripe.completion import pending as completion_pending
from fakestripe.completion import run_completion
from fakestripe.errors import StripeError
from fakestripe.hosted import bp, error_page, page, test_cards
from fakestripe.money import format_amount, format_interval
from fakestripe.periods import fmt_date

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


# `submit_type` changes the button's word ("auto": the mode's own).
SUBMIT_LABELS = {
    "auto": None,
    "book": "Book",
    "donate": "Donate",
    "pay": "Pay",
    "subscribe": "Subscribe",
}


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
                "amount": format_amount(item["amount_subtotal"], item["currency"]),
                "detail": interval.capitalize() if interval else None,
            }
        )
    subscription = session["mode"] == "subscription"
    setup = session["mode"] == "setup"
    if setup:
        heading = f"Save a card with {rt.settings.business_name}"
    elif subscription and len(names) == 1:
        heading = f"Subscribe to {names[0]}"
    else:
        heading = f"Pay {rt.settings.business_name}"
    default_submit = "Save card" if setup else ("Subscribe" if subscription else "Pay")
    trial_end = (rt.store.private(session["id"]).get("subscription_data") or {}).get("trial_end")
    trial_note = None
    if trial_end:
        regular = sum(item["amount_total"] for item in items)
        trial_note = (
            f"Free until {fmt_date(trial_end)}, then "
            f"{format_amount(regular, session['currency'])} {interval_label}."
        )
        if card_optional(session):
            trial_note += " No card is needed for the trial."
    return {
        "session": session,
        "lines": lines,
        "heading": heading,
        "pane_heading": "Card details" if setup else "Pay with card",
        "total_label": None
        if setup
        else format_amount(session["amount_total"], session["currency"]),
        "interval_label": interval_label if subscription else "",
        "trial_note": trial_note,
        "known_email": session_email(rt, session),
        "submit_label": SUBMIT_LABELS.get(session["submit_type"] or "auto", default_submit)
        or default_submit,
        "test_cards": test_cards(),
        "action": url_for("hosted.checkout_submit", session_id=session["id"]),
        **_discount_context(rt, session),
    }


def _discount_context(rt: Runtime, session: dict[str, Any]) -> dict[str, Any]:
    discount = checkout_discounts.summary(rt, session)
    return {
        "discount": {
            "label": discount["label"],
            "amount": format_amount(-discount["amount"], session["currency"]),
        }
        if discount
        else None,
        "promo_action": url_for("hosted.checkout_promotion_code", session_id=session["id"])
        if session.get("allow_promotion_codes") and not discount
        else None,
    }


def _closed_page(session: dict[str, Any]) -> Response:
    if session["status"] in {"open", "complete"}:
        return page(
            "message.html",
            heading="Payment complete",
            message="This checkout session is already paid.",
            link=success_redirect(session) or None,
            link_label="Continue",
        )
    return page(
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
        return page(
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
    return page(
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
            blank = not (values["card_number"] or values["expiry"] or values["cvc"])
            if blank and card_optional(session):
                card, month, year = None, 0, 0
            else:
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
            return page(
                "authenticate.html",
                amount_label=format_amount(session["amount_total"] or 0, session["currency"]),
                last4=card.number[-4:],
                token=token,
                action=url_for("hosted.checkout_authenticate", session_id=session_id),
            )
        except StripeError as exc:
            return _render_form_error(rt, session, exc, values)
    return _completed(rt, session)


@bp.post("/c/pay/<session_id>/promotion_code")
def checkout_promotion_code(session_id: str) -> Response:
    rt = runtime()
    with rt.store.lock:
        session, refusal = _open_session(rt, session_id)
        if refusal is not None:
            return refusal
        try:
            checkout_discounts.apply_code(rt, session, request.form.get("code", "")[:500])
        except StripeError as exc:
            return page(
                "checkout.html",
                422,
                values={},
                error=exc.message,
                error_param="promotion_code",
                **_checkout_context(rt, session),
            )
    return redirect(url_for("hosted.checkout_page", session_id=session_id), code=303)


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
