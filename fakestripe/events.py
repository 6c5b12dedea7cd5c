"""Event creation: a snapshot of the object at emission time, queued for every endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe import API_VERSION
from fakestripe.context import current_request
from fakestripe.fixtures import blank
from fakestripe.ids import new_id

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


# Every event type the stand-in sends; webhook endpoints may subscribe to these (or "*").
EVENT_TYPES = (
    "billing_portal.configuration.created",
    "billing_portal.configuration.updated",
    "billing_portal.session.created",
    "charge.dispute.closed",
    "charge.dispute.created",
    "charge.dispute.funds_reinstated",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.updated",
    "charge.failed",
    "charge.refunded",
    "charge.succeeded",
    "checkout.session.completed",
    "checkout.session.expired",
    "coupon.created",
    "coupon.deleted",
    "coupon.updated",
    "customer.created",
    "customer.deleted",
    "customer.discount.created",
    "customer.discount.deleted",
    "customer.subscription.created",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
    "customer.subscription.updated",
    "customer.updated",
    "invoice.created",
    "invoice.finalized",
    "invoice.marked_uncollectible",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.payment_succeeded",
    "invoice.upcoming",
    "invoice.updated",
    "invoice.voided",
    "invoice_payment.paid",
    "invoiceitem.created",
    "invoiceitem.deleted",
    "payment_intent.created",
    "payment_intent.payment_failed",
    "payment_intent.succeeded",
    "payment_method.attached",
    "payment_method.detached",
    "payment_method.updated",
    "price.created",
    "price.updated",
    "product.created",
    "product.deleted",
    "product.updated",
    "promotion_code.created",
    "promotion_code.updated",
    "refund.created",
    "refund.updated",
    "setup_intent.canceled",
    "setup_intent.created",
    "setup_intent.requires_action",
    "setup_intent.setup_failed",
    "setup_intent.succeeded",
    "subscription_schedule.canceled",
    "subscription_schedule.completed",
    "subscription_schedule.created",
    "subscription_schedule.released",
    "subscription_schedule.updated",
    "test_helpers.test_clock.advancing",
    "test_helpers.test_clock.created",
    "test_helpers.test_clock.deleted",
    "test_helpers.test_clock.ready",
)


def endpoint_wants(endpoint: dict[str, Any], event_type: str) -> bool:
    if endpoint.get("status") != "enabled":
        return False
    enabled = endpoint.get("enabled_events") or []
    return "*" in enabled or event_type in enabled


def emit(
    rt: Runtime,
    type_: str,
    obj: dict[str, Any],
    previous_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if type_ not in EVENT_TYPES:
        raise AssertionError(f"{type_} is missing from EVENT_TYPES")
    store = rt.store
    endpoints = [e for e in store.all("webhook_endpoint") if endpoint_wants(e, type_)]
    info = current_request()
    event = blank("event")
    data: dict[str, Any] = {"object": rt.render(obj)}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    event.update(
        id=new_id("evt"),
        api_version=API_VERSION,
        created=rt.now(),
        data=data,
        pending_webhooks=len(endpoints),
        request={"id": info.id, "idempotency_key": info.idempotency_key},
        type=type_,
    )
    store.insert(event)
    store.private(event["id"])["webhooks"] = {
        e["id"]: {"status": "pending", "attempts": 0} for e in endpoints
    }
    rt.webhooks.enqueue(event["id"], [e["id"] for e in endpoints])
    return event


def diff(old: Any, new: Any) -> Any:
    """Stripe's ``previous_attributes``: old values of what changed; hashes are diffed key by
    key (a key that did not exist before shows as null), everything else is shown whole."""
    if isinstance(old, dict) and isinstance(new, dict):
        changed: dict[str, Any] = {}
        for key in old.keys() | new.keys():
            if key not in old:
                changed[key] = None
            elif key not in new or old[key] != new[key]:
                changed[key] = diff(old[key], new[key]) if key in new else old[key]
        return changed
    return old


def previous_attributes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {
        key: diff(old.get(key), new.get(key))
        for key in old.keys() | new.keys()
        if old.get(key) != new.get(key)
    }


def emit_updated(
    rt: Runtime, type_: str, obj: dict[str, Any], before: dict[str, Any]
) -> dict[str, Any] | None:
    """Emit ``<type>`` (an ``*.updated`` event) if the rendered object changed since ``before``."""
    after = rt.render(obj)
    changes = previous_attributes(before, after)
    if not changes:
        return None
    return emit(rt, type_, obj, changes)
