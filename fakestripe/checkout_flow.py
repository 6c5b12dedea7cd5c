"""Paying (or failing to pay) a checkout session, from the hosted page or the control API.

The payment itself happens at once (a decline leaves the session open for another card). What
follows a successful payment is not one atomic change at Stripe either: see
:mod:`fakestripe.completion`, which the caller runs after releasing the store lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fakestripe import setup
from fakestripe.cards import AUTHENTICATION_FAILED, REQUIRES_ACTION, TestCard, charge_outcome
from fakestripe.charging import attempt_charge, create_payment_intent, decline_error
from fakestripe.completion import begin_completion
from fakestripe.errors import invalid
from fakestripe.objects.customers import build_payment_method
from fakestripe.params import new_metadata

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


@dataclass
class CardEntry:
    """What was typed; ``card`` None is "no card" (a free trial that does not need one)."""

    card: TestCard | None
    exp_month: int
    exp_year: int
    name: str | None
    email: str | None


class AuthenticationRequired(Exception):
    """The card wants 3-D Secure; the hosted page shows the challenge and calls back."""


def success_redirect(session: dict[str, Any]) -> str:
    return (session["success_url"] or "").replace("{CHECKOUT_SESSION_ID}", session["id"])


def ensure_open(rt: Runtime, session: dict[str, Any]) -> None:
    if session["status"] != "open":
        raise invalid(
            f"This Checkout Session is no longer active (status: {session['status']}).",
            param="session",
            code="checkout_session_not_open",
        )
    if rt.store.private(session["id"]).get("completion"):
        raise invalid(
            "This Checkout Session has been paid and is being completed.",
            param="session",
            code="checkout_session_not_open",
        )


def session_email(rt: Runtime, session: dict[str, Any]) -> str | None:
    if session["customer"]:
        customer = rt.store.get("customer", session["customer"])
        return customer["email"] if customer else None
    return session["customer_email"]


def pay_session(
    rt: Runtime,
    session: dict[str, Any],
    entry: CardEntry,
    *,
    authentication: str | None = None,
) -> None:
    """Charge the card for ``session``, or raise a card error and leave it open.

    On success the session's completion is queued (``fakestripe.completion.run_completion``
    finishes it). ``authentication`` is None when no 3-D Secure challenge has been shown yet,
    "approve" or "decline" once the person (or test) answered it."""
    ensure_open(rt, session)
    email = session_email(rt, session) or entry.email
    if not email:
        raise invalid("Missing required param: email.", param="email", code="parameter_missing")
    if authentication == "decline":
        raise decline_error(AUTHENTICATION_FAILED)
    if entry.card is None:
        if not card_optional(session):
            raise invalid(
                "Your card number is incomplete.", param="number", code="incomplete_number"
            )
        begin_completion(
            rt, session, pm=None, pi=None, email=email, name=entry.name, authenticated=False
        )
        return
    outcome = charge_outcome(
        entry.card, off_session=False, authenticated=authentication == "approve"
    )
    if outcome == REQUIRES_ACTION:
        raise AuthenticationRequired
    pm = build_payment_method(
        rt,
        entry.card,
        exp_month=entry.exp_month,
        exp_year=entry.exp_year,
        name=entry.name,
        email=email,
    )
    if session["mode"] == "setup":
        si = rt.store.require("setup_intent", session["setup_intent"])
        decline = setup.confirm(rt, si, pm, authenticated=authentication == "approve")
        if decline is not None:
            raise decline_error(decline)
        begin_completion(
            rt, session, pm=pm, pi=None, email=email, name=entry.name, authenticated=False
        )
        return
    pi = _payment_intent(rt, session, pm)
    if pi is None and outcome is not None:
        # Nothing is charged today (a free trial): the card is checked as it is saved.
        raise decline_error(outcome)
    if pi is not None:
        decline = attempt_charge(
            rt, pi, pm, off_session=False, authenticated=authentication == "approve"
        )
        if decline is not None:
            rt.store.mark_dirty()
            raise decline_error(decline, rt.store.get("charge", pi["latest_charge"]))
    begin_completion(
        rt, session, pm=pm, pi=pi, email=email, name=entry.name, authenticated=bool(authentication)
    )


def card_optional(session: dict[str, Any]) -> bool:
    """A free trial with ``payment_method_collection=if_required`` needs no card."""
    return (
        session["mode"] == "subscription"
        and session["amount_total"] == 0
        and session["payment_method_collection"] == "if_required"
    )


def _payment_intent(
    rt: Runtime, session: dict[str, Any], pm: dict[str, Any]
) -> dict[str, Any] | None:
    """The session's payment intent, made on the first attempt and reused after a decline.
    Since basil a subscription's first invoice does not exist yet: Checkout charges first."""
    if not session["amount_total"]:
        return None
    private = rt.store.private(session["id"])
    pi = rt.store.get("payment_intent", session["payment_intent"] or private.get("payment_intent"))
    if pi is not None:
        return pi
    if session["mode"] == "payment":
        intent_data = private.get("payment_intent_data") or {}
        pi = create_payment_intent(
            rt,
            amount=session["amount_total"],
            currency=session["currency"],
            customer=session["customer"],
            description=intent_data.get("description"),
            metadata=new_metadata(intent_data.get("metadata")),
            payment_method=pm["id"],
            receipt_email=intent_data.get("receipt_email"),
            setup_future_usage=intent_data.get("setup_future_usage"),
            statement_descriptor=intent_data.get("statement_descriptor"),
            statement_descriptor_suffix=intent_data.get("statement_descriptor_suffix"),
        )
        session["payment_intent"] = pi["id"]
    else:
        # The subscription will charge this card again, off-session.
        pi = create_payment_intent(
            rt,
            amount=session["amount_total"],
            currency=session["currency"],
            customer=session["customer"],
            description="Subscription creation",
            payment_method=pm["id"],
            setup_future_usage="off_session",
        )
        private["payment_intent"] = pi["id"]
    rt.store.mark_dirty()
    return pi


def expire_session(rt: Runtime, session: dict[str, Any]) -> dict[str, Any]:
    if session["status"] != "open" or rt.store.private(session["id"]).get("completion"):
        status = "complete" if session["status"] == "open" else session["status"]
        raise invalid(
            f'Only Checkout Sessions with a status in ["open"] can be expired. This session '
            f'has status "{status}".',
            param="session",
        )
    session["status"] = "expired"
    rt.store.mark_dirty()
    rt.emit("checkout.session.expired", session)
    return session
