"""Payment intents, charges, balance transactions, refunds and disputes."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from fakestripe.cards import Decline
from fakestripe.fixtures import blank, shape
from fakestripe.ids import new_id
from fakestripe.objects import list_object, null_address, renderer

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

DAY = 86_400


def build_payment_intent(
    rt: Runtime,
    *,
    amount: int,
    currency: str,
    customer: str | None,
    description: str | None,
    metadata: dict[str, str],
    payment_method: str | None,
    receipt_email: str | None = None,
    setup_future_usage: str | None = None,
    statement_descriptor: str | None = None,
    statement_descriptor_suffix: str | None = None,
) -> dict[str, Any]:
    pi = blank("payment_intent")
    pi_id = new_id("pi")
    pi.update(
        id=pi_id,
        amount=amount,
        amount_capturable=0,
        amount_details={"tip": {}},
        amount_received=0,
        capture_method="automatic_async",
        client_secret=f"{pi_id}_secret_{secrets.token_urlsafe(18)}",
        confirmation_method="automatic",
        created=rt.now(),
        currency=currency,
        customer=customer,
        description=description,
        metadata=metadata,
        payment_method=payment_method,
        payment_method_options={
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        payment_method_types=["card"],
        receipt_email=receipt_email,
        setup_future_usage=setup_future_usage,
        statement_descriptor=statement_descriptor,
        statement_descriptor_suffix=statement_descriptor_suffix,
        status="requires_payment_method",
        managed_payments={"enabled": False},
    )
    return pi


def fee_for(rt: Runtime, amount: int) -> int:
    return round(amount * rt.settings.fee_percent / 100) + rt.settings.fee_fixed


def build_balance_transaction(
    rt: Runtime,
    *,
    amount: int,
    currency: str,
    source: str,
    kind: str,
    description: str | None,
    fee: int = 0,
) -> dict[str, Any]:
    txn = blank("balance_transaction")
    now = rt.now()
    txn.update(
        id=new_id("txn"),
        amount=amount,
        available_on=now + 2 * DAY,
        created=now,
        currency=currency,
        description=description,
        fee=fee,
        fee_details=[
            {
                "amount": fee,
                "application": None,
                "currency": currency,
                "description": "Stripe processing fees",
                "type": "stripe_fee",
            }
        ]
        if fee
        else [],
        net=amount - fee,
        reporting_category={"charge": "charge", "refund": "refund", "adjustment": "dispute"}.get(
            kind, kind
        ),
        source=source,
        status="pending",
        type=kind,
        balance_type="payments",
    )
    return txn


@renderer("balance_transaction")
def render_balance_transaction(rt: Runtime, txn: dict[str, Any]) -> dict[str, Any]:
    txn["status"] = "available" if rt.now() >= txn["available_on"] else "pending"
    return txn


def card_details(
    pm: dict[str, Any], amount: int, authenticated: bool, success: bool
) -> dict[str, Any]:
    card = pm["card"]
    details = shape(
        "charge",
        "payment_method_details.card",
        amount_authorized=amount if success else None,
        brand=card["brand"],
        checks=shape("charge", "payment_method_details.card.checks", cvc_check="pass"),
        country=card["country"],
        exp_month=card["exp_month"],
        exp_year=card["exp_year"],
        extended_authorization={"status": "disabled"},
        fingerprint=card["fingerprint"],
        funding=card["funding"],
        incremental_authorization={"status": "unavailable"},
        last4=card["last4"],
        multicapture={"status": "unavailable"},
        network=card["brand"],
        network_token={"used": False},
        overcapture={"maximum_amount_capturable": amount, "status": "unavailable"},
        three_d_secure=shape(
            "charge",
            "payment_method_details.card.three_d_secure",
            authentication_flow="challenge",
            result="authenticated",
            version="2.2.0",
        )
        if authenticated
        else None,
        authorization_code=secrets.token_hex(3) if success else None,
        regulated_status="unregulated",
        network_transaction_id=secrets.token_hex(8) if success else None,
    )
    return {"card": details, "type": "card"}


def build_charge(
    rt: Runtime,
    *,
    pi: dict[str, Any],
    pm: dict[str, Any],
    decline: Decline | None,
    authenticated: bool,
    balance_transaction: str | None,
) -> dict[str, Any]:
    success = decline is None
    charge = blank("charge")
    charge_id = new_id("ch")
    amount = pi["amount"]
    if success:
        outcome = shape(
            "charge",
            "outcome",
            network_status="approved_by_network",
            seller_message="Payment complete.",
            type="authorized",
        )
    else:
        outcome = shape(
            "charge",
            "outcome",
            network_status="declined_by_network",
            reason=decline.decline_code or decline.code,
            seller_message="The bank did not return any further details with this decline.",
            type="issuer_declined",
        )
    charge.update(
        id=charge_id,
        amount=amount,
        amount_captured=amount if success else 0,
        amount_refunded=0,
        balance_transaction=balance_transaction,
        billing_details=shape(
            "charge",
            "billing_details",
            address=null_address(),
            email=pm["billing_details"]["email"],
            name=pm["billing_details"]["name"],
        ),
        calculated_statement_descriptor=_descriptor(rt, pi),
        statement_descriptor=pi["statement_descriptor"],
        statement_descriptor_suffix=pi["statement_descriptor_suffix"],
        captured=success,
        created=rt.now(),
        currency=pi["currency"],
        customer=pi["customer"],
        description=pi["description"],
        disputed=False,
        failure_code=None if success else decline.code,
        failure_message=None if success else decline.message,
        fraud_details={},
        metadata=dict(pi["metadata"]),
        outcome=outcome,
        paid=success,
        payment_intent=pi["id"],
        payment_method=pm["id"],
        payment_method_details=card_details(pm, amount, authenticated, success),
        receipt_email=pi["receipt_email"],
        receipt_url=f"{rt.base_url}/receipts/{charge_id}" if success else None,
        refunded=False,
        refunds=list_object([], f"/v1/charges/{charge_id}/refunds"),
        status="succeeded" if success else "failed",
    )
    return charge


def _descriptor(rt: Runtime, pi: dict[str, Any]) -> str:
    """What the cardholder's statement shows: the intent's own descriptor, else the account's
    (its business name) with the intent's suffix, as ``PREFIX* SUFFIX``."""
    if pi.get("statement_descriptor"):
        return pi["statement_descriptor"].upper()[:22]
    prefix = rt.settings.business_name.upper()
    if pi.get("statement_descriptor_suffix"):
        return f"{prefix[:10].rstrip()}* {pi['statement_descriptor_suffix'].upper()}"[:22]
    return prefix[:22]


@renderer("charge")
def render_charge(rt: Runtime, charge: dict[str, Any]) -> dict[str, Any]:
    refunds = rt.store.all("refund", lambda r: r["charge"] == charge["id"])
    charge["refunds"] = list_object(
        [rt.render(r) for r in refunds[:10]],
        f"/v1/charges/{charge['id']}/refunds",
        len(refunds) > 10,
    )
    return charge


def build_refund(
    rt: Runtime,
    *,
    charge: dict[str, Any],
    amount: int,
    reason: str | None,
    metadata: dict[str, str],
    balance_transaction: str,
) -> dict[str, Any]:
    refund = blank("refund")
    refund.update(
        id=new_id("re"),
        amount=amount,
        balance_transaction=balance_transaction,
        charge=charge["id"],
        created=rt.now(),
        currency=charge["currency"],
        destination_details={"card": {"type": "refund"}, "type": "card"},
        metadata=metadata,
        payment_intent=charge["payment_intent"],
        reason=reason,
        status="succeeded",
        customer=charge["customer"],
        payment_method=charge["payment_method"],
    )
    return refund


def build_dispute(
    rt: Runtime, *, charge: dict[str, Any], amount: int, reason: str
) -> dict[str, Any]:
    dispute = blank("dispute")
    now = rt.now()
    evidence = dict.fromkeys(shape("dispute", "evidence"))
    evidence["enhanced_evidence"] = {}
    card = charge["payment_method_details"]["card"]
    dispute.update(
        id=new_id("dp"),
        amount=amount,
        balance_transactions=[],
        charge=charge["id"],
        created=now,
        currency=charge["currency"],
        evidence=evidence,
        evidence_details=shape(
            "dispute",
            "evidence_details",
            due_by=now + 7 * DAY,
            has_evidence=False,
            past_due=False,
            submission_count=0,
            enhanced_eligibility={},
        ),
        is_charge_refundable=False,
        metadata={},
        payment_intent=charge["payment_intent"],
        payment_method_details={
            "card": {
                "brand": card["brand"],
                "case_type": "chargeback",
                "network_reason_code": "10.4" if reason == "fraudulent" else "13.1",
                "network": card["network"],
            },
            "type": "card",
        },
        reason=reason,
        status="needs_response",
        enhanced_eligibility_types=[],
    )
    return dispute
