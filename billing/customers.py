"""Which member is behind a Stripe Customer, and the Stripe Customer for a member."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from members.models import User
from members.services import user_get_or_create_for_email

from . import gateway
from .models import BillingCustomer


def customer_for_user(*, user: User) -> str:
    """The member's Stripe Customer id, created at Stripe on first use.

    Idempotent: the idempotency key is the member's id, so concurrent first uses create one
    Customer at Stripe, and the mapping row is unique per Customer id.
    """
    existing = BillingCustomer.objects.filter(user=user).first()
    if existing:
        return existing.stripe_customer_id
    customer = gateway.customer_create(
        email=user.email,
        name=user.display_name,
        metadata={"user_id": str(user.pk)},
        idempotency_key=f"customer-for-user-{user.pk}",
    )
    _link(user=user, customer_id=customer["id"])
    return customer["id"]


def customer_resolve(*, customer_id: str, email_hint: str = "") -> User:
    """The member behind a Stripe Customer; the account is created or linked by email.

    This is how a reader who paid before having an account gets one: the Customer that
    Checkout created carries the email, and `user_get_or_create_for_email` never makes two
    accounts for one address. Idempotent.
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
            BillingCustomer.objects.get_or_create(
                stripe_customer_id=customer_id, defaults={"user": user}
            )
    except IntegrityError:
        pass  # a concurrent call linked it first; same customer, same member
