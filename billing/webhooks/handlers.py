"""One handler per Stripe event type. Each reads the id of the object the event is about and
calls the billing service that owns the change; the services refetch from Stripe, so handlers
never trust an event's snapshot to be the newest state. (Subscription events also pass the
whole event on: its snapshot and time are what the membership history records.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from billing.checkout import checkout_expire, checkout_fulfil
from billing.memberships import membership_sync
from billing.payments import (
    dispute_sync,
    invoice_subscription_id,
    payment_action_required_notify,
    payment_failed_notify,
    payment_record_from_invoice,
    payment_record_one_time,
    refunds_sync,
)
from billing.reminders import renewal_reminder_notify
from billing.stripe_values import object_id

Event = dict[str, Any]
Handler = Callable[[Event], None]


def on_checkout_completed(event: Event) -> None:
    obj = event["data"]["object"]
    checkout_fulfil(session_id=obj["id"])


def on_checkout_expired(event: Event) -> None:
    obj = event["data"]["object"]
    checkout_expire(session_id=obj["id"])


def on_subscription_changed(event: Event) -> None:
    membership_sync(
        subscription_id=event["data"]["object"]["id"],
        event=event,
    )


def on_schedule_changed(event: Event) -> None:
    # A schedule's phases changed, or it let go of its subscription: the membership's
    # scheduled change is copied again with it (billing.schedules). No history here: a
    # change of plan is written from the subscription's own event when it happens.
    obj = event["data"]["object"]
    subscription_id = object_id(obj.get("subscription")) or object_id(
        obj.get("released_subscription")
    )
    if subscription_id:
        membership_sync(subscription_id=subscription_id)


def on_invoice_paid(event: Event) -> None:
    obj = event["data"]["object"]
    payment_record_from_invoice(invoice_id=obj["id"])


def on_invoice_payment_failed(event: Event) -> None:
    obj = event["data"]["object"]
    payment_failed_notify(invoice=obj)
    subscription_id = invoice_subscription_id(obj)
    if subscription_id:
        membership_sync(subscription_id=subscription_id)


def on_invoice_payment_action_required(event: Event) -> None:
    payment_action_required_notify(invoice_id=event["data"]["object"]["id"])


def on_invoice_upcoming(event: Event) -> None:
    renewal_reminder_notify(invoice=event["data"]["object"])


def on_payment_intent_succeeded(event: Event) -> None:
    obj = event["data"]["object"]
    # Subscription payments are recorded from their invoice; only our one-time contributions
    # (marked in their metadata at checkout) are recorded from the payment intent.
    if (obj.get("metadata") or {}).get("kind") == "one_time":
        payment_record_one_time(payment_intent_id=obj["id"])


def on_charge_refunded(event: Event) -> None:
    obj = event["data"]["object"]
    refunds_sync(charge_id=obj["id"])


def on_refund_changed(event: Event) -> None:
    obj = event["data"]["object"]
    charge = object_id(obj.get("charge"))
    if charge:
        refunds_sync(charge_id=charge)


def on_dispute_changed(event: Event) -> None:
    obj = event["data"]["object"]
    dispute_sync(dispute_id=obj["id"])


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": on_checkout_completed,
    "checkout.session.async_payment_succeeded": on_checkout_completed,
    "checkout.session.expired": on_checkout_expired,
    "customer.subscription.created": on_subscription_changed,
    "customer.subscription.updated": on_subscription_changed,
    "customer.subscription.deleted": on_subscription_changed,
    "customer.subscription.paused": on_subscription_changed,
    "customer.subscription.resumed": on_subscription_changed,
    "subscription_schedule.created": on_schedule_changed,
    "subscription_schedule.updated": on_schedule_changed,
    "subscription_schedule.released": on_schedule_changed,
    "subscription_schedule.canceled": on_schedule_changed,
    "subscription_schedule.completed": on_schedule_changed,
    "invoice.paid": on_invoice_paid,
    "invoice.payment_succeeded": on_invoice_paid,
    "invoice.payment_failed": on_invoice_payment_failed,
    "invoice.upcoming": on_invoice_upcoming,
    "invoice.payment_action_required": on_invoice_payment_action_required,
    "payment_intent.succeeded": on_payment_intent_succeeded,
    "charge.refunded": on_charge_refunded,
    "refund.created": on_refund_changed,
    "refund.updated": on_refund_changed,
    "refund.failed": on_refund_changed,
    "charge.refund.updated": on_refund_changed,
    "charge.dispute.created": on_dispute_changed,
    "charge.dispute.updated": on_dispute_changed,
    "charge.dispute.closed": on_dispute_changed,
    "charge.dispute.funds_withdrawn": on_dispute_changed,
    "charge.dispute.funds_reinstated": on_dispute_changed,
}
