"""Which member is behind a Stripe Customer, and the Stripe Customer for a member.

A member can have several Customers: each logged-out checkout makes one (Stripe Checkout
creates it from the email given on its page), and the webhook links it to the member with
that address. Exactly one of them is the member's *primary* Customer (a database
constraint): signed-in checkouts pay as it. The billing portal opens on the Customer that
holds the member's current membership, whichever that is, so a gift made logged out never
hides the membership from "My support".
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from members.models import User
from members.services import user_get_or_create_for_email

from . import gateway
from .models import BillingCustomer, Membership


def customer_for_user(*, user: User) -> str:
    """The member's primary Stripe Customer id, for a signed-in checkout.

    If the member has no primary Customer yet, the Customer of their current membership
    becomes it (a member who first paid logged out keeps paying as that Customer), else
    their newest linked one, else a new one is created at Stripe. Idempotent and safe to
    run concurrently: the idempotency key is the member's id (one Customer at Stripe), and
    the constraint allows one primary per member.
    """
    primary = BillingCustomer.objects.filter(user=user, is_primary=True).first()
    if primary:
        return primary.stripe_customer_id
    current = Membership.objects.filter(user=user).may_charge().first()
    linked = BillingCustomer.objects.filter(user=user)
    candidate = (
        linked.filter(stripe_customer_id=current.stripe_customer_id).first() if current else None
    ) or linked.first()
    if candidate is None:
        customer = gateway.customer_create(
            email=user.email,
            name=user.display_name,
            metadata={"user_id": str(user.pk)},
            idempotency_key=f"customer-for-user-{user.pk}",
        )
        _link(user=user, customer_id=customer["id"])
        candidate = BillingCustomer.objects.get(stripe_customer_id=customer["id"])
    _make_primary(candidate)
    return BillingCustomer.objects.get(user=user, is_primary=True).stripe_customer_id


def customer_for_portal(*, user: User) -> str | None:
    """The Customer whose portal shows the member's current membership; else their primary
    Customer; else the newest one they have (payment details and invoices only)."""
    current = Membership.objects.filter(user=user).may_charge().first() or (
        Membership.objects.filter(user=user).subscriptions().not_ended().first()
    )
    if current is not None:
        return current.stripe_customer_id
    linked = BillingCustomer.objects.filter(user=user).order_by("-is_primary", "-created_at")
    first = linked.first()
    return first.stripe_customer_id if first else None


def customer_resolve(*, customer_id: str, email_hint: str = "") -> User:
    """The member behind a Stripe Customer; the account is created or linked by email.

    This is how a reader who paid before having an account gets one: the Customer that
    Checkout created carries the email, and `user_get_or_create_for_email` never makes two
    accounts for one address. The first Customer a member gets is their primary one.
    Idempotent.
    """
    mapping = (
        BillingCustomer.objects.filter(stripe_customer_id=customer_id)
        .select_related("user")
        .first()
    )
    if mapping:
        return mapping.user
    customer = gateway.customer_retrieve(customer_id=customer_id)
    user = None
    user_id = (customer.get("metadata") or {}).get("user_id")
    if user_id and str(user_id).isdigit():
        user = User.objects.filter(pk=int(user_id)).first()
    if user is None:
        email = customer.get("email") or email_hint
        if not email:
            raise ValueError(f"Stripe customer {customer_id} has no email to link an account")
        user, _ = user_get_or_create_for_email(email=email, display_name=customer.get("name") or "")
    _link(user=user, customer_id=customer_id)
    return user


def _link(*, user: User, customer_id: str) -> None:
    try:
        with transaction.atomic():
            row, created = BillingCustomer.objects.get_or_create(
                stripe_customer_id=customer_id, defaults={"user": user}
            )
    except IntegrityError:
        return  # a concurrent call linked it first; same customer, same member
    if created and not BillingCustomer.objects.filter(user=user, is_primary=True).exists():
        _make_primary(row)


def _make_primary(row: BillingCustomer) -> None:
    """Mark `row` primary unless the member has a primary already (a concurrent call won)."""
    try:
        with transaction.atomic():
            BillingCustomer.objects.filter(pk=row.pk).update(is_primary=True)
    except IntegrityError:
        pass
