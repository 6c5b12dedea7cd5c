"""Billing's part in "Download my data" and "Delete my account" (registered with
`members.privacy` from BillingConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from members.mail.services import email_enqueue
from members.models import User
from members.privacy import DeletionBlocked

from . import gateway
from .locks import advisory_lock
from .memberships import membership_ended_key, membership_sync
from .models import CheckoutSession, Membership, Payment


def export_billing(user: User) -> dict[str, Any]:
    """Memberships and payments, amounts in minor units with their currency."""
    memberships = [
        {
            "tier": m.tier.name if m.tier else None,
            "status": m.status,
            "amount": m.amount,
            "currency": m.currency,
            "interval": m.interval,
            "started_at": m.started_at.isoformat(),
            "current_period_end": m.current_period_end.isoformat()
            if m.current_period_end
            else None,
            "ended_at": m.ended_at.isoformat() if m.ended_at else None,
            "stripe_subscription_id": m.stripe_subscription_id,
        }
        for m in Membership.objects.filter(user=user).select_related("tier")
    ]
    payments = [
        {
            "kind": p.kind,
            "amount": p.amount,
            "currency": p.currency,
            "amount_refunded": p.amount_refunded,
            "status": p.status,
            "paid_at": p.paid_at.isoformat(),
            "invoice": p.stripe_invoice_id,
            "invoice_number": p.invoice_number,
            "payment_intent": p.stripe_payment_intent_id,
            "refunds": [
                {"amount": r.amount, "status": r.status, "at": r.stripe_created.isoformat()}
                for r in p.refunds.all()
            ],
        }
        for p in Payment.objects.filter(user=user).prefetch_related("refunds")
    ]
    return {"memberships": memberships, "payments": payments}


def cancel_subscriptions(user: User) -> None:
    """Before an account is deleted, end its live subscriptions at Stripe, now.

    Stripe is asked first and the membership is then copied back from Stripe, so our record
    shows what Stripe did. If Stripe cannot be reached the deletion stops: deleting the
    account while Stripe keeps charging the card would be worse than not deleting it yet.
    A member deleting their account is not told their membership ended; a deletion that
    stops leaves that email free for a cancellation that comes later.
    """
    for membership in Membership.objects.filter(user=user, status__in=Membership.LIVE):
        try:
            _end_without_goodbye(user=user, membership=membership)
        except (gateway.GatewayError, gateway.GatewayUnavailable) as exc:
            raise DeletionBlocked(
                _(
                    "We could not cancel your membership with our payment provider, so we "
                    "deleted nothing. Please try again in a few minutes."
                )
            ) from exc


def _end_without_goodbye(*, user: User, membership: Membership) -> None:
    """Cancel one subscription at Stripe and withhold its goodbye email, both or neither.

    The goodbye's ledger key is taken in the transaction that holds the subscription's lock
    while Stripe cancels: a sync (ours, or the webhook's on the worker) takes that lock
    first, so it sees the key only once the cancel worked, and cannot send the goodbye in
    between. If the cancel fails, the transaction rolls the withheld key back with it.
    """
    subscription_id = membership.stripe_subscription_id
    with transaction.atomic():
        advisory_lock(f"subscription:{subscription_id}")
        email_enqueue(
            key=membership_ended_key(membership),
            kind="membership_ended",
            to=user.email,
            user=user,
            withhold="The member deleted their account.",
        )
        try:
            gateway.subscription_cancel(subscription_id=subscription_id)
        except gateway.NotFound:
            # Gone at Stripe: nothing charges any more; record it as ended, without goodbye.
            Membership.objects.filter(pk=membership.pk).update(status=Membership.Status.CANCELED)
            return
    membership_sync(subscription_id=subscription_id)


def anonymise_billing(user: User) -> None:
    """Payments stay (accounting needs amounts, dates, invoice ids); contact data goes."""
    CheckoutSession.objects.filter(user=user).update(email="")
