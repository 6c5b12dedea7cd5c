"""Money that moved: paid invoices, one-time contributions, refunds and disputes.

Each record is keyed by its Stripe id (unique in the database), refetched from Stripe under a
per-object lock, and queues its email (receipt, refund notice) in the same transaction, keyed
so that it is sent once.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from members.mail.services import email_enqueue
from members.models import User

from . import gateway
from .customers import customer_resolve
from .history import history_record_renewal
from .locks import (
    lock_charge,
    lock_dispute,
    lock_invoice,
    lock_payment_intent,
    lock_subscription,
)
from .models import Dispute, Membership, Payment, Refund
from .stripe_values import from_unix, object_id

log = logging.getLogger(__name__)


def invoice_subscription_id(invoice: dict[str, Any]) -> str | None:
    # Since API 2025-03-31 an invoice names its subscription under `parent`.
    parent = invoice.get("parent") or {}
    if parent.get("type") == "subscription_details":
        details = parent.get("subscription_details") or {}
        return object_id(details.get("subscription"))
    return None


def _invoice_payment_intent_id(invoice: dict[str, Any]) -> str | None:
    payments = (invoice.get("payments") or {}).get("data") or []
    for entry in payments:
        payment = entry.get("payment") or {}
        if entry.get("status") == "paid" and payment.get("type") == "payment_intent":
            return object_id(payment.get("payment_intent"))
    return None


def _latest_charge(payment_intent_id: str | None) -> dict[str, Any]:
    if not payment_intent_id:
        return {}
    intent = gateway.payment_intent_retrieve(payment_intent_id=payment_intent_id)
    return _charge_of(intent)


def _charge_of(intent: dict[str, Any]) -> dict[str, Any]:
    charge = intent.get("latest_charge") or {}
    return {"id": charge} if isinstance(charge, str) else charge


def _fee(charge: dict[str, Any]) -> int | None:
    balance = charge.get("balance_transaction")
    return balance.get("fee") if isinstance(balance, dict) else None


def _invoice_lines(invoice: dict[str, Any]) -> list[dict[str, Any]]:
    """The invoice's lines as a Payment keeps them (see `Payment.lines`), every page."""
    embedded = invoice.get("lines") or {}
    lines = (
        gateway.invoice_lines_list(invoice_id=invoice["id"])
        if embedded.get("has_more")
        else list(embedded.get("data") or [])
    )
    kept = []
    for line in lines:
        period = line.get("period") or {}
        details = (line.get("parent") or {}).get("subscription_item_details") or {}
        kept.append(
            {
                "description": line.get("description") or "",
                "amount": int(line.get("amount") or 0),
                "currency": line.get("currency") or invoice["currency"],
                "period_start": period.get("start"),
                "period_end": period.get("end"),
                "proration": bool(details.get("proration")),
            }
        )
    return kept


def _after_recording(payment: Payment, charge: dict[str, Any]) -> None:
    """Refunds and disputes can reach us before the payment they belong to; attach them."""
    Dispute.objects.filter(stripe_charge_id=payment.stripe_charge_id, payment__isnull=True).update(
        payment=payment
    )
    if charge.get("amount_refunded"):
        refunds_sync(charge_id=charge["id"])


def _queue_receipt(*, payment: Payment, user: User, key: str) -> None:
    email_enqueue(
        key=f"receipt:{key}",
        kind="receipt",
        to=user.email,
        user=user,
        context={"payment_id": payment.pk},
    )


def payment_record_from_invoice(*, invoice_id: str) -> Payment | None:
    """Record a paid invoice as a Payment and queue its receipt, once.

    Refetches the invoice; does nothing unless it is paid with money (a zero invoice moves no
    money and gets no receipt). Idempotent: the invoice id is unique on Payment and the
    receipt's ledger key is the invoice id. A paid renewal also appends `renewed` to the
    membership history. Locks the invoice's subscription before the invoice (billing.locks):
    the invoice is read first to learn it, and a paid invoice's amounts never change.
    """
    from .memberships import membership_sync

    existing = Payment.objects.filter(stripe_invoice_id=invoice_id).first()
    if existing:
        return existing
    invoice = gateway.invoice_retrieve(invoice_id=invoice_id)
    if invoice.get("status") != "paid" or not invoice.get("amount_paid"):
        return None
    subscription_id = invoice_subscription_id(invoice)
    with transaction.atomic():
        membership = None
        if subscription_id:
            lock_subscription(subscription_id)
            # Before the invoice's lock: syncing a membership we have not seen yet locks its
            # member, which comes before the invoice in billing.locks' one order.
            membership = Membership.objects.filter(
                stripe_subscription_id=subscription_id
            ).first() or membership_sync(subscription_id=subscription_id)
        lock_invoice(invoice_id)
        existing = Payment.objects.filter(stripe_invoice_id=invoice_id).first()
        if existing:
            return existing
        if membership is not None:
            history_record_renewal(membership=membership, invoice=invoice)
        user = customer_resolve(
            customer_id=invoice["customer"], email_hint=invoice.get("customer_email") or ""
        )
        payment_intent_id = _invoice_payment_intent_id(invoice)
        charge = _latest_charge(payment_intent_id)
        line = ((invoice.get("lines") or {}).get("data") or [{}])[0]
        period = line.get("period") or {}
        paid_at = from_unix((invoice.get("status_transitions") or {}).get("paid_at"))
        payment = Payment.objects.create(
            user=user,
            membership=membership,
            kind=Payment.Kind.SUBSCRIPTION,
            stripe_invoice_id=invoice_id,
            stripe_payment_intent_id=payment_intent_id,
            stripe_charge_id=charge.get("id", ""),
            stripe_customer_id=invoice["customer"],
            invoice_number=invoice.get("number") or "",
            amount=int(invoice["amount_paid"]),
            currency=invoice["currency"],
            fee=_fee(charge),
            description=(line.get("description") or "")[:255],
            billing_reason=invoice.get("billing_reason") or "",
            period_start=from_unix(period.get("start")),
            period_end=from_unix(period.get("end")),
            lines=_invoice_lines(invoice),
            paid_at=paid_at or timezone.now(),
        )
        _queue_receipt(payment=payment, user=user, key=invoice_id)
        _after_recording(payment, charge)
        return payment


def payment_record_one_time(*, payment_intent_id: str) -> Payment | None:
    """Record a succeeded one-time contribution and queue its receipt, once. Idempotent."""
    with transaction.atomic():
        lock_payment_intent(payment_intent_id)
        existing = Payment.objects.filter(stripe_payment_intent_id=payment_intent_id).first()
        if existing:
            return existing
        intent = gateway.payment_intent_retrieve(payment_intent_id=payment_intent_id)
        metadata = intent.get("metadata") or {}
        if intent.get("status") != "succeeded" or metadata.get("kind") != "one_time":
            return None
        if not intent.get("customer"):
            raise ValueError(f"one-time payment {payment_intent_id} has no customer")
        user = customer_resolve(
            customer_id=intent["customer"], email_hint=intent.get("receipt_email") or ""
        )
        charge = _charge_of(intent)
        payment = Payment.objects.create(
            user=user,
            kind=Payment.Kind.ONE_TIME,
            stripe_payment_intent_id=payment_intent_id,
            stripe_charge_id=charge.get("id", ""),
            stripe_customer_id=intent["customer"],
            amount=int(intent.get("amount_received") or intent["amount"]),
            currency=intent["currency"],
            fee=_fee(charge),
            description=(intent.get("description") or "")[:255],
            paid_at=from_unix(intent.get("created")) or timezone.now(),
        )
        _queue_receipt(payment=payment, user=user, key=payment_intent_id)
        _after_recording(payment, charge)
        return payment


def _payment_for_charge(charge: dict[str, Any]) -> Payment | None:
    by_charge = Payment.objects.filter(stripe_charge_id=charge["id"]).first()
    if by_charge:
        return by_charge
    intent_id = object_id(charge.get("payment_intent"))
    if intent_id:
        return Payment.objects.filter(stripe_payment_intent_id=intent_id).first()
    return None


# A refund that failed or was canceled gave nothing back; every other (succeeded, pending,
# requires_action) is money the reader has or will have back, so it counts as refunded.
NOT_REFUNDED = ("failed", "canceled")


def _charge_refunds(charge: dict[str, Any]) -> list[dict[str, Any]]:
    embedded = charge.get("refunds") or {}
    if embedded.get("has_more"):
        return gateway.refund_list(charge_id=charge["id"])
    return list(embedded.get("data") or [])


def refunds_sync(*, charge_id: str) -> Payment | None:
    """Copy a charge's refunds from Stripe: Refund rows, the payment's refunded amount and
    status, and one notice email per refund. Idempotent and order-independent (refetched).

    The refunded amount is the sum of the charge's refunds that did not fail or get
    canceled, so a refund that fails later lowers it again (and a payment with nothing left
    refunded is back to paid). Returns None when the charge's payment is not recorded yet;
    its own recording reads the refunds later through this function again."""
    with transaction.atomic():
        lock_charge(charge_id)
        charge = gateway.charge_retrieve(charge_id=charge_id)
        payment = _payment_for_charge(charge)
        if payment is None:
            return None
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        refunds = _charge_refunds(charge)
        refunded = sum(int(r["amount"]) for r in refunds if r.get("status") not in NOT_REFUNDED)
        payment.stripe_charge_id = charge["id"]
        payment.amount_refunded = min(refunded, payment.amount)
        if payment.amount_refunded >= payment.amount:
            payment.status = Payment.Status.REFUNDED
        elif payment.amount_refunded:
            payment.status = Payment.Status.PARTIALLY_REFUNDED
        else:
            payment.status = Payment.Status.PAID
        payment.save(update_fields=["stripe_charge_id", "amount_refunded", "status"])
        for refund in refunds:
            row, created = Refund.objects.update_or_create(
                stripe_refund_id=refund["id"],
                defaults={
                    "payment": payment,
                    "amount": int(refund["amount"]),
                    "currency": refund["currency"],
                    "status": refund.get("status") or "",
                    "reason": refund.get("reason") or "",
                    "stripe_created": from_unix(refund.get("created")) or timezone.now(),
                },
            )
            if created and payment.user and refund.get("status") in ("succeeded", "pending"):
                email_enqueue(
                    key=f"refund:{refund['id']}",
                    kind="refund",
                    to=payment.user.email,
                    user=payment.user,
                    context={"refund_id": row.pk},
                )
        return payment


def refund_issue(*, payment: Payment, amount: int, by: User | None, reason: str = "") -> Payment:
    """Refund (part of) a payment at Stripe, then record it. Staff call this.

    The idempotency key names the payment, how many refunds it has on record and the
    refunded total it leads to, so a double click refunds once while a later, second partial
    refund goes through, as does a new refund after one that failed (which lowered the
    refunded total back to where it was).
    """
    payment = Payment.objects.get(pk=payment.pk)  # the refunded total as it is now
    refunds_on_record = payment.refunds.count()
    if amount <= 0 or amount > payment.amount - payment.amount_refunded:
        raise ValueError("The refund must be more than zero and at most what is left.")
    charge_id = payment.stripe_charge_id or _latest_charge(payment.stripe_payment_intent_id).get(
        "id"
    )
    if not charge_id:
        raise ValueError("This payment has no charge to refund.")
    refund = gateway.refund_create(
        charge_id=charge_id,
        amount=amount,
        reason=reason,
        metadata={"payment_id": str(payment.pk), "by_user": str(by.pk if by else "")},
        idempotency_key=(
            f"refund-{payment.pk}-{refunds_on_record}-{payment.amount_refunded + amount}"
        ),
    )
    synced = refunds_sync(charge_id=charge_id)
    if by is not None:
        Refund.objects.filter(stripe_refund_id=refund["id"], created_by__isnull=True).update(
            created_by=by
        )
    return synced or payment


def payment_refund_in_full_for_invoice(
    *, invoice_id: str, reason: str, idempotency_key: str
) -> dict[str, Any] | None:
    """Refund what an invoice charged (a duplicate subscription's payment). Returns Stripe's
    refund, or None when the invoice charged nothing. Callers are Stripe commands: the key is
    the command's, so a repeated call refunds once."""
    invoice = gateway.invoice_retrieve(invoice_id=invoice_id)
    charge_id = _latest_charge(_invoice_payment_intent_id(invoice)).get("id")
    if not charge_id or not invoice.get("amount_paid"):
        return None
    return gateway.refund_create(
        charge_id=charge_id,
        amount=int(invoice["amount_paid"]),
        reason="duplicate" if reason == "duplicate" else "requested_by_customer",
        metadata={"invoice": invoice_id},
        idempotency_key=idempotency_key,
    )


def dispute_sync(*, dispute_id: str) -> Dispute:
    """Copy a dispute's current state from Stripe. Idempotent and order-independent."""
    with transaction.atomic():
        lock_dispute(dispute_id)
        dispute = gateway.dispute_retrieve(dispute_id=dispute_id)
        charge_id = object_id(dispute.get("charge"))
        intent_id = object_id(dispute.get("payment_intent"))
        payment = Payment.objects.filter(stripe_charge_id=charge_id).first() or (
            Payment.objects.filter(stripe_payment_intent_id=intent_id).first()
            if intent_id
            else None
        )
        evidence = dispute.get("evidence_details") or {}
        row, _ = Dispute.objects.update_or_create(
            stripe_dispute_id=dispute_id,
            defaults={
                "payment": payment,
                "stripe_charge_id": charge_id or "",
                "amount": int(dispute["amount"]),
                "currency": dispute["currency"],
                "status": dispute.get("status") or "",
                "reason": dispute.get("reason") or "",
                "evidence_due_by": from_unix(evidence.get("due_by")),
                "stripe_created": from_unix(dispute.get("created")) or timezone.now(),
            },
        )
        return row


def payment_failed_notify(*, invoice: dict[str, Any]) -> None:
    """Tell the member a renewal failed, once per attempt, with a link to update the card."""
    customer_id = invoice.get("customer")
    if not customer_id or not invoice.get("attempt_count"):
        return
    with transaction.atomic():
        user = customer_resolve(
            customer_id=customer_id, email_hint=invoice.get("customer_email") or ""
        )
        email_enqueue(
            key=f"payment_failed:{invoice['id']}:{invoice['attempt_count']}",
            kind="payment_failed",
            to=user.email,
            user=user,
            context={
                "amount": int(invoice.get("amount_due") or 0),
                "currency": invoice.get("currency") or "",
                "attempt_count": int(invoice["attempt_count"]),
                "next_attempt": invoice.get("next_payment_attempt"),
            },
        )


def payment_action_required_notify(*, invoice_id: str) -> None:
    """Send the member the link to Stripe's page for an invoice their bank wants confirmed
    (3-D Secure on a renewal), once per invoice whatever the number of events.

    Refetches the invoice and sends nothing unless it is still open with a hosted page: by
    the time the event is processed the member may have paid it, or it may be void.
    """
    invoice = gateway.invoice_retrieve(invoice_id=invoice_id)
    link = invoice.get("hosted_invoice_url") or ""
    if invoice.get("status") != "open" or not link or not invoice.get("customer"):
        return
    with transaction.atomic():
        user = customer_resolve(
            customer_id=invoice["customer"], email_hint=invoice.get("customer_email") or ""
        )
        email_enqueue(
            key=f"payment_action_required:{invoice_id}",
            kind="payment_action_required",
            to=user.email,
            user=user,
            context={
                "amount": int(invoice.get("amount_due") or 0),
                "currency": invoice.get("currency") or "",
                "hosted_invoice_url": link,
            },
        )
