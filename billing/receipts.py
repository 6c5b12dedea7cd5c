"""Billing's emails: welcome, receipt (with a PDF), refund notice, failed payment, a payment
to confirm with the bank, goodbye.

Rows in the email ledger store ids; these functions load fresh objects at send time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from members.mail.kinds import Attachment, MailKind, register

from .models import Membership, Payment, Refund
from .money import format_amount, format_price
from .receipt_pdf import receipt_pdf
from .stripe_values import from_unix


def _links() -> dict[str, str]:
    site = settings.SITE_URL
    return {
        "manage_url": site + reverse("billing:my_support"),
        "support_url": site + reverse("billing:support"),
    }


def _membership_context(data: dict[str, Any]) -> dict[str, Any]:
    membership = Membership.objects.select_related("tier", "user").get(pk=data["membership_id"])
    return {
        "membership": membership,
        "tier_name": membership.tier.name if membership.tier else _("Supporter"),
        "price": format_price(membership.amount, membership.currency, membership.interval),
        **_links(),
    }


def _period_text(start: datetime | None, end: datetime | None) -> str:
    if not (start and end):
        return ""
    return "{} \N{EN DASH} {}".format(
        formats.date_format(timezone.localtime(start), "j F Y"),
        formats.date_format(timezone.localtime(end), "j F Y"),
    )


def _signed_amount(amount: int, currency: str) -> str:
    """A line's amount; a credit (negative) with a minus sign in front, as in `-€2.86`."""
    sign = "\N{MINUS SIGN}" if amount < 0 else ""
    return sign + format_amount(abs(amount), currency)


def _items(payment: Payment) -> tuple[list[dict[str, str]], str]:
    """Every line the invoice charged, and what the lines do not explain (credit from an
    earlier change, used up by this invoice), as display text."""
    items = [
        {
            "description": line.get("description") or "",
            "period": _period_text(
                from_unix(line.get("period_start")), from_unix(line.get("period_end"))
            ),
            "amount_text": _signed_amount(
                int(line.get("amount") or 0), line.get("currency") or payment.currency
            ),
        }
        for line in payment.lines or []
    ]
    rest = payment.amount - sum(int(line.get("amount") or 0) for line in payment.lines or [])
    adjustment = _signed_amount(rest, payment.currency) if items and rest else ""
    return items, adjustment


def payment_lines(payment: Payment) -> dict[str, Any]:
    """What a receipt says, for the email and the PDF alike: what was paid for, each line of
    its invoice (a proration invoice has several), the amount paid."""
    membership = payment.membership
    tier = membership.tier.name if membership and membership.tier else ""
    if payment.kind == Payment.Kind.ONE_TIME:
        # A gift says what was given and for whom (the payment's description).
        gift = getattr(payment, "gift", None)
        what = payment.description if gift else _("One-time contribution")
    else:
        what = _("%(tier)s membership") % {"tier": tier} if tier else _("Membership")
    items, adjustment = _items(payment)
    return {
        "payment": payment,
        "what": what,
        "tier_name": tier,
        "items": items,
        "adjustment_text": adjustment,
        "amount_text": format_amount(payment.amount, payment.currency),
        "paid_on": formats.date_format(timezone.localtime(payment.paid_at), "j F Y"),
        "period": _period_text(payment.period_start, payment.period_end),
        "reference": payment.invoice_number
        or payment.stripe_invoice_id
        or payment.stripe_payment_intent_id,
        "newsroom": settings.NEWSROOM,
    }


def _receipt_context(data: dict[str, Any]) -> dict[str, Any]:
    payment = Payment.objects.select_related("membership__tier", "user").get(pk=data["payment_id"])
    return {**payment_lines(payment), **_links()}


def _receipt_attachments(data: dict[str, Any]) -> list[Attachment]:
    payment = Payment.objects.select_related("membership__tier", "user").get(pk=data["payment_id"])
    return [(f"receipt-{payment.pk}.pdf", receipt_pdf(payment), "application/pdf")]


def _refund_context(data: dict[str, Any]) -> dict[str, Any]:
    refund = Refund.objects.select_related("payment").get(pk=data["refund_id"])
    return {
        "refund": refund,
        "amount_text": format_amount(refund.amount, refund.currency),
        **payment_lines(refund.payment),
        **_links(),
    }


def _failed_context(data: dict[str, Any]) -> dict[str, Any]:
    from .card_update import card_update_url

    subscription_id = data.get("subscription_id") or ""
    links = _links()
    return {
        "amount_text": format_amount(int(data.get("amount") or 0), data.get("currency") or "eur"),
        # Rows queued before the signed link existed fall back to "My support".
        "card_url": card_update_url(subscription_id=subscription_id)
        if subscription_id
        else links["manage_url"],
        "next_attempt": from_unix(data.get("next_attempt")),
        **links,
    }


def _action_required_context(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "amount_text": format_amount(int(data.get("amount") or 0), data.get("currency") or "eur"),
        "hosted_invoice_url": data.get("hosted_invoice_url") or "",
        **_links(),
    }


def register_kinds() -> None:
    register(
        MailKind(name="welcome", template_dir="billing/emails/welcome",
                 build_context=_membership_context)
    )  # fmt: skip
    register(
        MailKind(
            name="receipt",
            template_dir="billing/emails/receipt",
            build_context=_receipt_context,
            attachments=_receipt_attachments,
        )
    )
    register(
        MailKind(name="refund", template_dir="billing/emails/refund",
                 build_context=_refund_context)
    )  # fmt: skip
    register(
        MailKind(name="payment_failed", template_dir="billing/emails/payment_failed",
                 build_context=_failed_context, secret=True)
    )  # fmt: skip
    register(
        MailKind(name="payment_action_required",
                 template_dir="billing/emails/payment_action_required",
                 build_context=_action_required_context)
    )  # fmt: skip
    register(
        MailKind(name="membership_ended", template_dir="billing/emails/membership_ended",
                 build_context=_membership_context)
    )  # fmt: skip
