"""Paying (or failing to pay) a checkout session, from the hosted page or the control API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fakestripe.cards import AUTHENTICATION_FAILED, REQUIRES_ACTION, TestCard, charge_outcome
from fakestripe.charging import (
    attach,
    attempt_charge,
    create_payment_intent,
    decline_error,
)
from fakestripe.errors import invalid
from fakestripe.invoicing import charge_invoice
from fakestripe.objects.checkout import customer_details
from fakestripe.objects.customers import build_customer, build_payment_method
from fakestripe.params import new_metadata
from fakestripe.subscriptions import ItemSpec, create_subscription

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


@dataclass
class CardEntry:
    card: TestCard
    exp_month: int
    exp_year: int
    name: str | None
    email: str | None


class AuthenticationRequired(Exception):
    """The card wants 3-D Secure; the hosted page shows the challenge and calls back."""


def success_redirect(session: dict[str, Any]) -> str:
    return (session["success_url"] or "").replace("{CHECKOUT_SESSION_ID}", session["id"])


def ensure_open(session: dict[str, Any]) -> None:
    if session["status"] != "open":
        raise invalid(
            f"This Checkout Session is no longer active (status: {session['status']}).",
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
) -> dict[str, Any]:
    """Complete ``session`` with the card, or raise a card error and leave it open.

    ``authentication`` is None when no 3-D Secure challenge has been shown yet,
    "approve" or "decline" once the person (or test) answered it."""
    ensure_open(session)
    email = session_email(rt, session) or entry.email
    if not email:
        raise invalid("Missing required param: email.", param="email", code="parameter_missing")
    if authentication == "decline":
        raise decline_error(AUTHENTICATION_FAILED)
    outcome = charge_outcome(
        entry.card, off_session=False, authenticated=authentication == "approve"
    )
    if outcome == REQUIRES_ACTION:
        raise AuthenticationRequired
    authenticated = authentication == "approve"
    if session["mode"] == "payment":
        return _pay_one_time(rt, session, entry, email, authenticated)
    if outcome is not None:
        # Subscription mode: since basil nothing is created until a payment succeeds.
        raise decline_error(outcome)
    return _subscribe(rt, session, entry, email, authenticated)


def _customer_for(
    rt: Runtime, session: dict[str, Any], email: str, name: str | None, *, required: bool
) -> dict[str, Any] | None:
    if session["customer"]:
        return rt.store.require("customer", session["customer"])
    if not required:
        return None
    customer = rt.store.insert(build_customer(rt, {"email": email, "name": name}))
    rt.emit("customer.created", customer)
    return customer


def _payment_method(
    rt: Runtime, entry: CardEntry, email: str, customer: dict[str, Any] | None
) -> dict[str, Any]:
    pm = build_payment_method(
        rt,
        entry.card,
        exp_month=entry.exp_month,
        exp_year=entry.exp_year,
        name=entry.name,
        email=email,
    )
    if customer is not None:
        attach(rt, pm, customer["id"])
    return pm


def _subscribe(
    rt: Runtime, session: dict[str, Any], entry: CardEntry, email: str, authenticated: bool
) -> dict[str, Any]:
    private = rt.store.private(session["id"])
    customer = _customer_for(rt, session, email, entry.name, required=True)
    assert customer is not None
    pm = _payment_method(rt, entry, email, customer)
    items = [
        ItemSpec(rt.store.require("price", item["price"]), item["quantity"])
        for item in private["line_items"]
    ]
    subscription_data = private.get("subscription_data") or {}
    sub, invoice = create_subscription(
        rt,
        customer=customer,
        items=items,
        metadata=new_metadata(subscription_data.get("metadata")),
        default_payment_method=pm["id"],
        description=subscription_data.get("description"),
    )
    if invoice["status"] == "open":
        decline = charge_invoice(
            rt, invoice, pm=pm, off_session=False, authenticated=authenticated, automatic=False
        )
        if decline is not None:
            raise decline_error(decline)
    _complete(rt, session, customer, email, entry.name)
    session.update(subscription=sub["id"], invoice=invoice["id"])
    rt.emit("checkout.session.completed", session)
    return session


def _pay_one_time(
    rt: Runtime,
    session: dict[str, Any],
    entry: CardEntry,
    email: str,
    authenticated: bool,
) -> dict[str, Any]:
    private = rt.store.private(session["id"])
    customer = _customer_for(rt, session, email, entry.name, required=False)
    pm = _payment_method(rt, entry, email, customer)
    pi = rt.store.get("payment_intent", session["payment_intent"])
    intent_data = private.get("payment_intent_data") or {}
    if pi is None:
        pi = create_payment_intent(
            rt,
            amount=session["amount_total"],
            currency=session["currency"],
            customer=customer["id"] if customer else None,
            description=intent_data.get("description"),
            metadata=new_metadata(intent_data.get("metadata")),
            payment_method=pm["id"],
            receipt_email=intent_data.get("receipt_email"),
            setup_future_usage=intent_data.get("setup_future_usage"),
            statement_descriptor=intent_data.get("statement_descriptor"),
            statement_descriptor_suffix=intent_data.get("statement_descriptor_suffix"),
        )
        session["payment_intent"] = pi["id"]
    decline = attempt_charge(rt, pi, pm, off_session=False, authenticated=authenticated)
    if decline is not None:
        rt.store.mark_dirty()
        raise decline_error(decline, rt.store.get("charge", pi["latest_charge"]))
    if customer is None and session["customer_creation"] == "always":
        # The customer only exists once the payment went through.
        customer = _customer_for(rt, session, email, entry.name, required=True)
        assert customer is not None
        attach(rt, pm, customer["id"])
        pi["customer"] = customer["id"]
        charge = rt.store.get("charge", pi["latest_charge"])
        if charge is not None:
            charge["customer"] = customer["id"]
    _complete(rt, session, customer, email, entry.name)
    rt.emit("checkout.session.completed", session)
    return session


def _complete(
    rt: Runtime,
    session: dict[str, Any],
    customer: dict[str, Any] | None,
    email: str,
    name: str | None,
) -> None:
    session.update(
        status="complete",
        payment_status="paid",
        customer=customer["id"] if customer else None,
        customer_details=customer_details(email, name),
        collected_information={
            "business_name": None,
            "individual_name": None,
            "shipping_details": None,
        },
    )
    rt.store.private(session["id"]).pop("pending_authentication", None)
    rt.store.mark_dirty()


def expire_session(rt: Runtime, session: dict[str, Any]) -> dict[str, Any]:
    if session["status"] != "open":
        raise invalid(
            f'Only Checkout Sessions with a status in ["open"] can be expired. This session '
            f'has status "{session["status"]}".',
            param="session",
        )
    session["status"] = "expired"
    rt.store.mark_dirty()
    rt.emit("checkout.session.expired", session)
    return session
