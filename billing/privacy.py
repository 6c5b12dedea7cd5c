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
from .locks import lock_subscription
from .memberships import membership_ended_key, membership_sync
from .models import BillingCustomer, CheckoutSession, Membership, Payment
from .models.memberships import ENDED_STATUSES


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


STRIPE_UNREACHABLE = _(
    "We could not cancel your membership with our payment provider, so we deleted nothing. "
    "Please try again in a few minutes."
)
REDACTION_FAILED = _(
    "Your memberships are cancelled, but our payment provider did not answer when we asked "
    "it to remove your details, so we deleted nothing else yet. Please try again in a few "
    "minutes."
)


def member_stripe_customers(user: User) -> list[str]:
    """Every Stripe Customer id we know for the member: linked ones, and any that one of
    their memberships or payments names."""
    ids = {
        *BillingCustomer.objects.filter(user=user).values_list("stripe_customer_id", flat=True),
        *Membership.objects.filter(user=user).values_list("stripe_customer_id", flat=True),
        *Payment.objects.filter(user=user).values_list("stripe_customer_id", flat=True),
    }
    return sorted(i for i in ids if i)


def cancel_subscriptions(user: User) -> None:
    """Before an account is deleted, end at Stripe, now, every subscription that may still
    charge any of the member's Stripe Customers, whether or not we mirrored it yet (a
    webhook may still be on its way).

    The subscriptions are listed at Stripe, cancelled there and then copied back from
    Stripe, so our record shows what Stripe did. If Stripe cannot be reached the deletion
    stops: deleting the account while Stripe keeps charging the card would be worse than not
    deleting it yet. A member deleting their account is not told their membership ended; a
    deletion that stops leaves that email free for a cancellation that comes later.
    """
    try:
        ended: set[str] = set()
        for customer_id in member_stripe_customers(user):
            for sub in gateway.subscription_list(customer_id=customer_id, status="all"):
                if sub["status"] not in ENDED_STATUSES:
                    _end_without_goodbye(user=user, subscription_id=sub["id"])
                    ended.add(sub["id"])
        # A live mirror that Stripe did not list (its Customer is gone at Stripe): ask by id.
        for membership in Membership.objects.filter(user=user).subscriptions().not_ended():
            if membership.stripe_subscription_id not in ended:
                _end_without_goodbye(user=user, subscription_id=membership.stripe_subscription_id)
    except (gateway.GatewayError, gateway.GatewayUnavailable) as exc:
        raise DeletionBlocked(STRIPE_UNREACHABLE) from exc


def _end_without_goodbye(*, user: User, subscription_id: str) -> None:
    """Cancel one subscription at Stripe and withhold its goodbye email, both or neither.

    The goodbye's ledger key is taken in the transaction that holds the subscription's lock
    while Stripe cancels: a sync (ours, or the webhook's on the worker) takes that lock
    first, so it sees the key only once the cancel worked, and cannot send the goodbye in
    between. If the cancel fails, the transaction rolls the withheld key back with it. The
    mirror is marked as ended by the deletion, so its history says why (not "the member
    cancelled"). This cancel is not a Stripe command: the member waits for it, and a deletion
    that stops must leave the subscription running, not cancel it later.
    """
    with transaction.atomic():
        lock_subscription(subscription_id)
        Membership.objects.filter(stripe_subscription_id=subscription_id, end_requested="").update(
            end_requested=Membership.EndRequested.ACCOUNT_DELETED,
            note="Cancelled when the member deleted their account.",
        )
        email_enqueue(
            key=membership_ended_key(subscription_id),
            kind="membership_ended",
            to=user.email,
            user=user,
            withhold="The member deleted their account.",
        )
        try:
            at_stripe = gateway.subscription_retrieve(subscription_id=subscription_id)
            if at_stripe["status"] not in ENDED_STATUSES:
                gateway.subscription_cancel(subscription_id=subscription_id)
        except gateway.NotFound:
            # Gone at Stripe: nothing charges any more; record it as ended, without goodbye.
            Membership.objects.filter(stripe_subscription_id=subscription_id).update(
                status=Membership.Status.CANCELED
            )
            return
    membership_sync(subscription_id=subscription_id)


def redact_stripe_customers(user: User) -> None:
    """Before an account is deleted, blank the contact details Stripe keeps on the member's
    Customers (name, email, phone, address, description). The Customers themselves stay,
    with their invoices and payments, for the books; their metadata holds only our user id,
    which keeps pointing at the anonymised account. Runs after `cancel_subscriptions`.
    Idempotent; if Stripe cannot be reached, the deletion stops and can be tried again.
    """
    try:
        for customer_id in member_stripe_customers(user):
            try:
                gateway.customer_update(
                    customer_id=customer_id, name="", email="", phone="", address="", description=""
                )
            except gateway.NotFound:
                continue  # deleted at Stripe: nothing left to redact
    except (gateway.GatewayError, gateway.GatewayUnavailable) as exc:
        raise DeletionBlocked(REDACTION_FAILED) from exc


def anonymise_billing(user: User) -> None:
    """Payments stay (accounting needs amounts, dates, invoice ids); contact data goes."""
    CheckoutSession.objects.filter(user=user).update(email="")
