"""Annual patrons hear before they are charged again: Stripe's `invoice.upcoming` (sent the
number of days before renewal set in Stripe's subscription settings) becomes one reminder per
subscription and period, naming the amount and the date, with the way to change or cancel.

Monthly patrons get no reminder (twelve a year would be noise); a membership that is set to
end, paused, lapsed or being replaced gets none either. The reminder is a service message
about a coming charge, so it goes whatever the member's newsletter preferences.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from members.mail.kinds import MailKind, register
from members.mail.services import email_enqueue

from .models import Membership
from .money import format_amount
from .payments import invoice_subscription_id


def renewal_reminder_key(membership: Membership) -> str:
    end = int(membership.current_period_end.timestamp()) if membership.current_period_end else 0
    return f"renewal_reminder:{membership.stripe_subscription_id}:{end}"


def renewal_reminder_notify(*, invoice: dict[str, Any]) -> None:
    """Queue the reminder for an upcoming renewal invoice (the event's snapshot: an upcoming
    invoice has no id to refetch), once per subscription and period (the ledger key)."""
    subscription_id = invoice_subscription_id(invoice)
    if not subscription_id:
        return
    with transaction.atomic():
        membership = (
            Membership.objects.select_related("user", "tier")
            .filter(stripe_subscription_id=subscription_id)
            .first()
        )
        if (
            membership is None
            or membership.interval != "year"
            or not membership.blocks_checkout
            or membership.paused
            or membership.cancel_at_period_end
            or membership.cancel_at is not None
        ):
            return
        email_enqueue(
            key=renewal_reminder_key(membership),
            kind="renewal_reminder",
            to=membership.user.email,
            user=membership.user,
            context={
                "membership_id": membership.pk,
                "amount": int(invoice.get("amount_due") or invoice.get("total") or 0),
                "currency": invoice.get("currency") or membership.currency,
            },
        )


def _context(data: dict[str, Any]) -> dict[str, Any]:
    from .receipts import _membership_context

    context = _membership_context(data)
    membership = context["membership"]
    return {
        **context,
        "amount_text": format_amount(int(data["amount"]), data["currency"]),
        "renews_on": membership.current_period_end,
    }


def register_kind() -> None:
    register(
        MailKind(
            name="renewal_reminder",
            template_dir="billing/emails/renewal_reminder",
            build_context=_context,
        )
    )
