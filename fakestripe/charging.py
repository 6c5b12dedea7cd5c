"""Money movement: payment methods, payment intents, charges, refunds and disputes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from fakestripe.cards import (
    AUTHENTICATION_REQUIRED,
    REQUIRES_ACTION,
    TOKENS,
    Decline,
    TestCard,
    card_for,
    charge_outcome,
    luhn_ok,
    normalize,
)
from fakestripe.errors import StripeError, card_error, invalid
from fakestripe.events import emit_updated
from fakestripe.objects.customers import build_payment_method
from fakestripe.objects.payments import (
    build_balance_transaction,
    build_charge,
    build_dispute,
    build_payment_intent,
    build_refund,
    fee_for,
)

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

DISPUTE_FEE = 1500


# --- payment methods ----------------------------------------------------------------------


def card_from_input(rt: Runtime, number: str, expiry: str, cvc: str) -> tuple[TestCard, int, int]:
    """Validate what a person typed on a hosted page; errors are Stripe's card errors."""
    digits = normalize(number)
    if not digits or not luhn_ok(digits):
        raise card_error("Your card number is incorrect.", "incorrect_number", param="number")
    month_text, _, year_text = expiry.replace(" ", "").partition("/")
    if not (month_text.isdigit() and year_text.isdigit()):
        raise card_error(
            "Your card's expiration date is incomplete.", "invalid_expiry_month", param="exp_month"
        )
    month, year = int(month_text), int(year_text)
    if year < 100:
        year += 2000
    if not 1 <= month <= 12:
        raise card_error(
            "Your card's expiration month is invalid.", "invalid_expiry_month", param="exp_month"
        )
    today = dt.datetime.fromtimestamp(rt.now(), tz=dt.UTC)
    if (year, month) < (today.year, today.month):
        raise card_error(
            "Your card's expiration year is in the past.", "invalid_expiry_year", param="exp_year"
        )
    cvc = cvc.strip()
    expected = 4 if digits.startswith(("34", "37")) else 3
    if not (cvc.isdigit() and len(cvc) == expected):
        raise card_error("Your card's security code is invalid.", "invalid_cvc", param="cvc")
    return card_for(digits), month, year


def resolve_payment_method(rt: Runtime, value: str, *, param: str) -> dict[str, Any]:
    """An existing ``pm_...`` or one of Stripe's magic test ids such as ``pm_card_visa``."""
    number = TOKENS.get(value)
    if number is not None:
        year = dt.datetime.fromtimestamp(rt.now(), tz=dt.UTC).year + 3
        return build_payment_method(rt, card_for(number), exp_month=12, exp_year=year)
    return rt.store.require("payment_method", value, param=param, status=400)


def attach(rt: Runtime, pm: dict[str, Any], customer_id: str) -> None:
    if pm["customer"] == customer_id:
        return
    if pm["customer"] is not None:
        raise invalid(
            "The payment method you provided has already been attached to a customer.",
            param="payment_method",
            code="payment_method_unexpected_state",
        )
    pm["customer"] = customer_id
    rt.store.mark_dirty()
    rt.emit("payment_method.attached", pm)


def card_of(rt: Runtime, pm: dict[str, Any]) -> TestCard:
    number = rt.store.private(pm["id"]).get("number", "4242424242424242")
    return card_for(number)


def set_default_payment_method(rt: Runtime, customer: dict[str, Any], pm_id: str) -> None:
    before = rt.render(customer)
    customer["invoice_settings"]["default_payment_method"] = pm_id
    emit_updated(rt, "customer.updated", customer, before)


# --- payment intents and charges ----------------------------------------------------------


def create_payment_intent(
    rt: Runtime,
    *,
    amount: int,
    currency: str,
    customer: str | None,
    description: str | None,
    metadata: dict[str, str] | None = None,
    payment_method: str | None = None,
    receipt_email: str | None = None,
    setup_future_usage: str | None = None,
    statement_descriptor: str | None = None,
    statement_descriptor_suffix: str | None = None,
) -> dict[str, Any]:
    pi = build_payment_intent(
        rt,
        amount=amount,
        currency=currency,
        customer=customer,
        description=description,
        metadata=metadata or {},
        payment_method=payment_method,
        receipt_email=receipt_email,
        setup_future_usage=setup_future_usage,
        statement_descriptor=statement_descriptor,
        statement_descriptor_suffix=statement_descriptor_suffix,
    )
    rt.store.insert(pi)
    rt.emit("payment_intent.created", pi)
    return pi


def decline_error(decline: Decline, charge: dict[str, Any] | None = None) -> StripeError:
    extra: dict[str, Any] = {}
    if charge is not None:
        extra = {"charge": charge["id"], "payment_intent": {"id": charge["payment_intent"]}}
    return card_error(decline.message, decline.code, decline.decline_code, extra=extra)


def attempt_charge(
    rt: Runtime,
    pi: dict[str, Any],
    pm: dict[str, Any],
    *,
    off_session: bool,
    authenticated: bool = False,
) -> Decline | None:
    """Charge ``pm`` for ``pi``; returns None on success, the decline otherwise.

    Callers deal with 3-D Secure before calling (on-session flows ask the person first)."""
    card = card_of(rt, pm)
    outcome = charge_outcome(card, off_session=off_session, authenticated=authenticated)
    if outcome == REQUIRES_ACTION:
        outcome = AUTHENTICATION_REQUIRED
    decline = outcome if isinstance(outcome, Decline) else None
    txn_id = None
    if decline is None:
        fee = fee_for(rt, pi["amount"])
        txn = build_balance_transaction(
            rt,
            amount=pi["amount"],
            currency=pi["currency"],
            source="",
            kind="charge",
            description=pi["description"],
            fee=fee,
        )
        txn_id = txn["id"]
    charge = build_charge(
        rt,
        pi=pi,
        pm=pm,
        decline=decline,
        authenticated=authenticated,
        balance_transaction=txn_id,
    )
    if decline is None:
        txn["source"] = charge["id"]
        rt.store.insert(txn)
    rt.store.insert(charge)
    pi["latest_charge"] = charge["id"]
    pi["payment_method"] = pm["id"]
    if decline is None:
        pi.update(status="succeeded", amount_received=pi["amount"], last_payment_error=None)
        rt.emit("charge.succeeded", charge)
        rt.emit("payment_intent.succeeded", pi)
        if card.behaviour == "dispute":
            open_dispute(rt, charge, reason="fraudulent", amount=charge["amount"])
    else:
        pi.update(
            status="requires_payment_method",
            last_payment_error={
                "type": "card_error",
                "code": decline.code,
                "decline_code": decline.decline_code,
                "doc_url": "https://stripe.com/docs/error-codes/" + decline.code.replace("_", "-"),
                "message": decline.message,
                "charge": charge["id"],
                "payment_method": rt.render(pm),
            },
        )
        rt.emit("charge.failed", charge)
        rt.emit("payment_intent.payment_failed", pi)
    rt.store.mark_dirty()
    return decline


# --- refunds and disputes -----------------------------------------------------------------


def refund_charge(
    rt: Runtime,
    charge: dict[str, Any],
    *,
    amount: int | None,
    reason: str | None,
    metadata: dict[str, str],
) -> dict[str, Any]:
    if charge["status"] != "succeeded":
        raise invalid(
            f"Charge {charge['id']} has not succeeded; it cannot be refunded.",
            param="charge",
            code="charge_not_refundable",
        )
    if charge["disputed"]:
        raise invalid(
            f"Charge {charge['id']} has been charged back; cannot issue a refund.",
            param="charge",
            code="charge_disputed",
        )
    remaining = charge["amount"] - charge["amount_refunded"]
    if remaining <= 0:
        raise invalid(
            f"Charge {charge['id']} has already been refunded.",
            param="charge",
            code="charge_already_refunded",
        )
    amount = remaining if amount is None else amount
    if amount <= 0:
        raise invalid("Refund amount must be positive.", param="amount", code="amount_too_small")
    if amount > remaining:
        raise invalid(
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
            param="amount",
            code="amount_too_large",
        )
    txn = build_balance_transaction(
        rt,
        amount=-amount,
        currency=charge["currency"],
        source="",
        kind="refund",
        description="REFUND FOR CHARGE",
    )
    refund = build_refund(
        rt,
        charge=charge,
        amount=amount,
        reason=reason,
        metadata=metadata,
        balance_transaction=txn["id"],
    )
    txn["source"] = refund["id"]
    rt.store.insert(txn)
    rt.store.insert(refund)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
    rt.store.mark_dirty()
    rt.emit("refund.created", refund)
    rt.emit("charge.refunded", charge)
    return refund


def open_dispute(
    rt: Runtime, charge: dict[str, Any], *, reason: str, amount: int
) -> dict[str, Any]:
    if charge["status"] != "succeeded":
        raise invalid("Only a succeeded charge can be disputed.", param="charge")
    if charge["disputed"]:
        raise invalid("This charge already has a dispute.", param="charge")
    if not 0 < amount <= charge["amount"]:
        raise invalid(
            "The dispute amount must be positive and at most the charge amount.", param="amount"
        )
    dispute = build_dispute(rt, charge=charge, amount=amount, reason=reason)
    txn = build_balance_transaction(
        rt,
        amount=-amount,
        currency=charge["currency"],
        source=dispute["id"],
        kind="adjustment",
        description=f"Chargeback withdrawal for {charge['id']}",
        fee=DISPUTE_FEE,
    )
    rt.store.insert(txn)
    dispute["balance_transactions"] = [rt.render(txn)]
    rt.store.insert(dispute)
    charge["disputed"] = True
    rt.store.mark_dirty()
    rt.emit("charge.dispute.created", dispute)
    rt.emit("charge.dispute.funds_withdrawn", dispute)
    return dispute


def close_dispute(rt: Runtime, dispute: dict[str, Any], status: str) -> dict[str, Any]:
    if dispute["status"] in {"won", "lost"}:
        raise invalid(f"This dispute is already closed ({dispute['status']}).", param="dispute")
    dispute["status"] = status
    dispute["is_charge_refundable"] = False
    if status == "won":
        txn = build_balance_transaction(
            rt,
            amount=dispute["amount"],
            currency=dispute["currency"],
            source=dispute["id"],
            kind="adjustment",
            description=f"Chargeback reversal for {dispute['charge']}",
            fee=-DISPUTE_FEE,
        )
        rt.store.insert(txn)
        dispute["balance_transactions"].append(rt.render(txn))
    rt.store.mark_dirty()
    rt.emit("charge.dispute.closed", dispute)
    if status == "won":
        rt.emit("charge.dispute.funds_reinstated", dispute)
    return dispute
