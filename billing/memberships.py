"""Memberships follow Stripe subscriptions. Stripe is the source of truth; we copy its state.

Order of webhook events does not matter: every sync refetches the subscription from Stripe
while holding a per-subscription lock, so the last writer always wrote the newest state, and
a replayed or late event simply copies the same (current) state again. The membership history
(billing.history) is written in the same transaction, from the event that caused the sync.

At most one membership per member *may still charge* (a database constraint). When a second
one appears, the rule below picks the one to keep, and the other is ended at Stripe through a
Stripe command (billing.commands) recorded in the same transaction:

- both in good standing (active or trialing, so both *block a new checkout*): a double
  purchase. The older one is kept; the newer is cancelled and its payment refunded.
- one in good standing, the other lapsed (past due, incomplete, paused): the member paid again.
  The one in good standing is kept; the lapsed one is cancelled, without a refund.
- both lapsed: the newer is kept (the member is paying again); the older is cancelled.
A member in good standing also has their unpaid and incomplete subscriptions cancelled
(Stripe has stopped retrying the one; the other was abandoned; they would linger). A
subscription still `incomplete` decides nothing: its first payment is not made yet.
A duplicate's refund is a second command that waits for its cancel (money goes back only once
the subscription can take no more), for the rest of the invoice it was bought with.
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
from .commands import command_record
from .customers import customer_resolve
from .history import history_record_event
from .locks import lock_member, lock_subscription
from .models import Membership, StripeCommand
from .schedules import scheduled_change_copy
from .stripe_values import from_unix, object_id

log = logging.getLogger(__name__)


def _state_from_subscription(sub: dict[str, Any]) -> dict[str, Any]:
    item = sub["items"]["data"][0]
    price = item["price"]
    recurring = price.get("recurring") or {}
    pause = sub.get("pause_collection") or None
    quantity = int(item.get("quantity") or 1)
    # Every Price the catalog pushes carries its TierPrice id (billing.catalog), also after the
    # tier's amount changed and a new Price replaced it; an amount the reader chose at checkout
    # is an ad-hoc Price without it. So members on an old catalog price are not "custom".
    is_catalog_price = bool((price.get("metadata") or {}).get("tier_price_id"))
    return {
        "tier": tier_for_stripe_price(price),
        "stripe_customer_id": sub["customer"],
        "stripe_price_id": price["id"],
        "status": sub["status"],
        "amount": int(price.get("unit_amount") or 0) * quantity,
        "currency": price["currency"],
        "interval": recurring.get("interval", ""),
        "interval_count": int(recurring.get("interval_count") or 1),
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


def membership_sync(
    *,
    subscription_id: str,
    event: dict[str, Any] | None = None,
) -> Membership:
    """Copy one subscription's current state from Stripe into its Membership, and append what
    `event` (a Stripe subscription event, if that is what caused this sync) tells to the
    membership history. The history is written from Stripe's subscription events only, never
    from a refetch (which shows the newest state, not the one at the event's time), so that
    the ledger does not depend on the order events arrive in: a membership the success page
    syncs first gets its `started` row when Stripe's `created` event is processed.

    Idempotent and order-independent (see the module docstring). Creates the member's account
    if the subscription's customer has none yet. Queues, once each, the welcome email when a
    membership first becomes entitled and the goodbye email when it ends. Enforces one
    membership that may still charge per member (module docstring). Locks: the subscription,
    then the member (billing.locks).
    """
    with transaction.atomic():
        lock_subscription(subscription_id)
        sub = gateway.subscription_retrieve(subscription_id=subscription_id)
        user = customer_resolve(customer_id=sub["customer"])
        # Serialise all membership changes of one member, so the one-charging rule is checked
        # against committed state.
        lock_member(user.pk)
        state = _state_from_subscription(sub)
        membership = (
            Membership.objects.select_for_update()
            .filter(stripe_subscription_id=subscription_id)
            .first()
        )
        was_entitled = membership.is_entitled if membership else False
        was_ended = membership.is_ended if membership else False
        now = timezone.now()
        if membership is None:
            membership = Membership(user=user, stripe_subscription_id=subscription_id)
        for name, value in state.items():
            setattr(membership, name, value)
        membership.synced_at = now
        to_end = _keep_one_charging(user=user, membership=membership)
        membership.save()
        # A change the member set for the renewal (a subscription schedule), or none.
        scheduled_change_copy(membership=membership, sub=sub)
        for target in to_end:
            _record_end(target, sub=sub)
        if event is not None:
            history_record_event(membership=membership, event=event)
        ended_by = (sub.get("cancellation_details") or {}).get("reason")
        _notify(
            membership=membership,
            was_entitled=was_entitled,
            was_ended=was_ended,
            payment_failed=ended_by == "payment_failed",
        )
        return membership


def membership_ended_key(subscription_id: str) -> str:
    return f"membership_ended:{subscription_id}"


def _notify(
    *, membership: Membership, was_entitled: bool, was_ended: bool, payment_failed: bool
) -> None:
    user = membership.user
    if membership.is_entitled and not was_entitled and not membership.end_requested:
        email_enqueue(
            key=f"welcome:{membership.stripe_subscription_id}",
            kind="welcome",
            to=user.email,
            user=user,
            context={"membership_id": membership.pk},
        )
    # A membership we ended ourselves (a duplicate, or replaced by the member's new one) is
    # not a goodbye: the member still supports us through the other.
    if membership.is_ended and not was_ended and not membership.end_requested:
        email_enqueue(
            key=membership_ended_key(membership.stripe_subscription_id),
            kind="membership_ended",
            to=user.email,
            user=user,
            # Ended because the payment failed for good: "sorry to see you go", and the way back.
            context={"membership_id": membership.pk, "payment_failed": payment_failed},
        )


def _age(membership: Membership) -> tuple[Any, float, str]:
    # Older first; within one second (two tabs), the one we recorded first; an unsaved one is
    # the newest. Then the id, so the decision never depends on a coin.
    return (
        membership.started_at,
        float(membership.pk) if membership.pk else float("inf"),
        membership.stripe_subscription_id,
    )


def _keep_one_charging(*, user: User, membership: Membership) -> list[Membership]:
    """Apply the one-charging rule (module docstring) before `membership` is saved.

    Returns the memberships to end at Stripe. Their
    `end_requested` is set (and saved, for the others, so the constraint holds when
    `membership` is saved next). The member's lock is held, so the others are committed state.
    """
    if membership.is_ended or membership.end_requested:
        return []
    others = (
        Membership.objects.select_for_update()
        .filter(user=user, end_requested="")
        .subscriptions()
        .not_ended()
        .exclude(stripe_subscription_id=membership.stripe_subscription_id)
    )
    good = membership.blocks_checkout
    decisions: list[tuple[Membership, str, Membership]] = []
    for other in others:
        if good and not other.may_charge:
            decisions.append((other, Membership.EndRequested.REPLACED, membership))  # unpaid
        elif not (membership.may_charge and other.may_charge):
            continue
        elif good and other.blocks_checkout:
            newer, older = sorted((membership, other), key=_age, reverse=True)
            decisions.append((newer, Membership.EndRequested.DUPLICATE, older))
        elif good or other.blocks_checkout:
            lapsed, kept = (other, membership) if good else (membership, other)
            decisions.append((lapsed, Membership.EndRequested.REPLACED, kept))
        else:
            newer, older = sorted((membership, other), key=_age, reverse=True)
            decisions.append((older, Membership.EndRequested.REPLACED, newer))
        if decisions[-1][0] is membership:
            break
    for target, why, keep in decisions:
        target.end_requested = why
        verb = "cancelled and refunded" if why == Membership.EndRequested.DUPLICATE else "cancelled"
        relation = "Duplicate of" if why == Membership.EndRequested.DUPLICATE else "Replaced by"
        target.note = f"{relation} {keep.stripe_subscription_id}; {verb}."
        log.warning("member %s: ending %s: %s", user.pk, target.stripe_subscription_id, target.note)
        if target is not membership:
            target.save(update_fields=["end_requested", "note", "updated_at"])
    return [target for target, _why, _keep in decisions]


def _record_end(target: Membership, *, sub: dict[str, Any]) -> None:
    """The Stripe commands that end `target`: a cancel, and for a duplicate the refund of the
    invoice it was bought with (named now, not when the refund runs), after the cancel."""
    subscription_id = target.stripe_subscription_id
    cancel = command_record(
        kind=StripeCommand.Kind.CANCEL_SUBSCRIPTION,
        target=subscription_id,
        idempotency_key=f"cancel-{target.end_requested}-{subscription_id}",
        params={"comment": target.note},
        reason=target.note,
        membership=target,
    )
    if target.end_requested != Membership.EndRequested.DUPLICATE:
        return
    if sub["id"] != subscription_id:  # the other membership is the newer one
        sub = gateway.subscription_retrieve(subscription_id=subscription_id)
    invoice_id = object_id(sub.get("latest_invoice"))
    if invoice_id:
        command_record(
            kind=StripeCommand.Kind.REFUND_INVOICE,
            target=invoice_id,
            idempotency_key=f"refund-duplicate-{subscription_id}",
            params={"refund_reason": "duplicate"},
            reason=target.note,
            membership=target,
            depends_on=cancel,
        )
