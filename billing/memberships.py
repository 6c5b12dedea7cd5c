"""Memberships follow Stripe subscriptions. Stripe is the source of truth; we copy its state.

Order of webhook events does not matter: every sync refetches the subscription from Stripe
while holding a per-subscription lock, so the last writer always wrote the newest state, and
a replayed or late event simply copies the same (current) state again.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from members.mail.services import email_enqueue
from members.models import User

from . import gateway
from .catalog import tier_for_stripe_price
from .customers import customer_resolve
from .locks import advisory_lock
from .models import Membership, TierPrice
from .stripe_values import from_unix, object_id

log = logging.getLogger(__name__)


def _state_from_subscription(sub: dict[str, Any]) -> dict[str, Any]:
    item = sub["items"]["data"][0]
    price = item["price"]
    recurring = price.get("recurring") or {}
    pause = sub.get("pause_collection") or None
    quantity = int(item.get("quantity") or 1)
    is_catalog_price = TierPrice.objects.filter(stripe_price_id=price["id"]).exists()
    return {
        "tier": tier_for_stripe_price(price),
        "stripe_customer_id": sub["customer"],
        "stripe_price_id": price["id"],
        "status": sub["status"],
        "amount": int(price.get("unit_amount") or 0) * quantity,
        "currency": price["currency"],
        "interval": recurring.get("interval", ""),
        "custom_amount": not is_catalog_price,
        # Since API 2025-03-31 the period lives on the subscription item.
        "current_period_start": from_unix(item.get("current_period_start")),
        "current_period_end": from_unix(item.get("current_period_end")),
        "cancel_at_period_end": bool(sub.get("cancel_at_period_end")),
        "cancel_at": from_unix(sub.get("cancel_at")),
        "canceled_at": from_unix(sub.get("canceled_at")),
        "ended_at": from_unix(sub.get("ended_at")),
        "paused": bool(pause),
        "pause_resumes_at": from_unix(pause.get("resumes_at")) if pause else None,
        "started_at": from_unix(sub.get("start_date") or sub.get("created")),
    }


def membership_sync(*, subscription_id: str) -> Membership:
    """Copy one subscription's current state from Stripe into its Membership.

    Idempotent and order-independent (see the module docstring). Creates the member's account
    if the subscription's customer has none yet. Queues, once each, the welcome email when a
    membership first becomes live and the goodbye email when it ends. Enforces one live
    membership per member: a second live subscription (a double purchase in two tabs) is
    cancelled and refunded at Stripe and recorded as ended.
    """
    with transaction.atomic():
        advisory_lock(f"subscription:{subscription_id}")
        sub = gateway.subscription_retrieve(subscription_id=subscription_id)
        user = customer_resolve(customer_id=sub["customer"])
        # Serialise all membership changes of one member, so the one-live rule is checked
        # against committed state.
        advisory_lock(f"member-billing:{user.pk}")
        state = _state_from_subscription(sub)
        membership = (
            Membership.objects.select_for_update()
            .filter(stripe_subscription_id=subscription_id)
            .first()
        )
        was_live = membership.is_live if membership else False
        if state["status"] in Membership.LIVE:
            other = (
                Membership.objects.filter(user=user, status__in=Membership.LIVE)
                .exclude(stripe_subscription_id=subscription_id)
                .first()
            )
            if other is not None:
                return _record_duplicate(user=user, sub=sub, state=state, keep=other)
        now = timezone.now()
        if membership is None:
            membership = Membership.objects.create(
                user=user, stripe_subscription_id=subscription_id, synced_at=now, **state
            )
        else:
            for name, value in state.items():
                setattr(membership, name, value)
            membership.synced_at = now
            membership.save()
        _notify(membership=membership, was_live=was_live)
        return membership


def membership_ended_key(membership: Membership) -> str:
    return f"membership_ended:{membership.stripe_subscription_id}"


def _notify(*, membership: Membership, was_live: bool) -> None:
    user = membership.user
    if membership.status == Membership.Status.ACTIVE and not was_live:
        email_enqueue(
            key=f"welcome:{membership.stripe_subscription_id}",
            kind="welcome",
            to=user.email,
            user=user,
            context={"membership_id": membership.pk},
        )
    if membership.status == Membership.Status.CANCELED and was_live:
        email_enqueue(
            key=membership_ended_key(membership),
            kind="membership_ended",
            to=user.email,
            user=user,
            context={"membership_id": membership.pk},
        )


def _record_duplicate(
    *, user: User, sub: dict[str, Any], state: dict[str, Any], keep: Membership
) -> Membership:
    """A second live subscription for a member who already has one: end it and refund it."""
    subscription_id = sub["id"]
    log.warning(
        "member %s already has live %s; cancelling duplicate %s",
        user.pk,
        keep.stripe_subscription_id,
        subscription_id,
    )
    gateway.subscription_cancel(subscription_id=subscription_id)
    invoice_id = object_id(sub.get("latest_invoice"))
    if invoice_id:
        from .payments import payment_refund_in_full_for_invoice

        payment_refund_in_full_for_invoice(invoice_id=invoice_id, reason="duplicate")
    state = {**state, "status": Membership.Status.CANCELED, "ended_at": timezone.now()}
    membership, _ = Membership.objects.update_or_create(
        stripe_subscription_id=subscription_id,
        defaults={
            **state,
            "user": user,
            "synced_at": timezone.now(),
            "note": f"Duplicate of {keep.stripe_subscription_id}; cancelled and refunded.",
        },
    )
    return membership
