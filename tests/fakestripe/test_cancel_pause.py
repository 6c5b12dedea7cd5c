"""Ending and pausing a subscription: cancel now with ``prorate`` and ``invoice_now``, what
happens to pending prorations, ``cancel_at`` inside the period, the pause endpoint (credits,
``status_details``, no invoices while paused) and resuming with each ``payment_behavior``."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from fakestripe.control import FakeStripeControl
from tests.fakestripe.helpers import DAY, make_price, period_end, settle, subscribe
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe

FAILING_LATER = "4000000000000341"
# Pausing right after subscribing would credit the whole period, and the resumption invoice
# (a new full period) would then be paid by that credit.
NO_CREDIT = {"bill_for": {"unused_time_from": {"type": "none"}}}


def _setup(
    client: stripe.StripeClient,
    control: FakeStripeControl,
    receiver: WebhookReceiver,
    *,
    amount: int = 3000,
    card: str = "4242424242424242",
) -> stripe.Subscription:
    sub = subscribe(client, control, make_price(client, amount=amount), card=card)
    settle(control, receiver)
    receiver.clear()
    return sub


def _fraction_left(sub: stripe.Subscription, at: int) -> float:
    item = sub["items"]["data"][0]
    start, end = item["current_period_start"], item["current_period_end"]
    return (end - at) / (end - start)


def _pending(client: stripe.StripeClient, customer: str) -> list[Any]:
    return client.v1.invoice_items.list(params={"customer": customer, "pending": True}).data


def test_cancel_now_with_prorate_leaves_a_pending_credit(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = _setup(client, control, receiver)
    control.advance(days=10)
    now = control.now()
    canceled = client.v1.subscriptions.cancel(sub.id, params={"prorate": True})
    assert canceled.status == "canceled"
    [credit] = _pending(client, sub.customer)
    assert credit.proration is True
    assert credit.amount == -round(3000 * _fraction_left(sub, now))
    assert credit.parent.subscription_details.subscription == sub.id
    assert credit.description.startswith("Unused time on Supporter after")
    assert len(client.v1.invoices.list(params={"subscription": sub.id}).data) == 1
    assert settle(control, receiver) == ["invoiceitem.created", "customer.subscription.deleted"]


def test_cancel_now_with_invoice_now_bills_a_final_invoice(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = _setup(client, control, receiver)
    control.advance(days=10)
    canceled = client.v1.subscriptions.cancel(
        sub.id, params={"prorate": True, "invoice_now": True, "expand": ["latest_invoice"]}
    )
    final = canceled.latest_invoice
    assert final.billing_reason == "subscription_update"
    assert final.total < 0
    assert (final.status, final.amount_due) == ("paid", 0)
    assert client.v1.customers.retrieve(sub.customer).balance == final.total
    assert _pending(client, sub.customer) == []
    types = settle(control, receiver)
    assert types.index("invoiceitem.created") < types.index("invoice.created")
    assert types[-1] == "customer.subscription.deleted"
    line = final.lines.data[0]
    assert line.parent.subscription_item_details.proration is True


def test_cancel_now_without_either_removes_pending_prorations_only(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = _setup(client, control, receiver)
    bigger = make_price(client, amount=6000, name="Patron")
    item = sub["items"]["data"][0]
    control.advance(days=5)
    client.v1.subscriptions.update(sub.id, params={"items": [{"id": item.id, "price": bigger.id}]})
    prorations = _pending(client, sub.customer)
    assert len(prorations) == 2
    standalone = client.v1.invoice_items.create(
        params={"customer": sub.customer, "amount": 250, "currency": "eur", "description": "Mug"}
    )
    receiver.clear()
    client.v1.subscriptions.cancel(sub.id)
    assert [i.id for i in _pending(client, sub.customer)] == [standalone.id]
    types = settle(control, receiver)
    assert types.count("invoiceitem.deleted") == 2


def test_cancel_now_with_invoice_now_charges_what_is_owed(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = _setup(client, control, receiver, amount=1000)
    client.v1.invoice_items.create(
        params={"customer": sub.customer, "amount": 700, "currency": "eur", "subscription": sub.id}
    )
    canceled = client.v1.subscriptions.cancel(
        sub.id, params={"invoice_now": True, "expand": ["latest_invoice"]}
    )
    final = canceled.latest_invoice
    assert (final.total, final.status, final.amount_paid) == (700, "paid", 700)
    assert "charge.succeeded" in settle(control, receiver)


def test_cancel_at_inside_the_period_credits_the_rest(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = _setup(client, control, receiver)
    at = control.now() + 10 * DAY
    client.v1.subscriptions.update(sub.id, params={"cancel_at": at})
    [credit] = _pending(client, sub.customer)
    assert credit.amount == -round(3000 * _fraction_left(sub, at))
    moved = client.v1.subscriptions.update(sub.id, params={"cancel_at": ""})
    assert moved.cancel_at is None
    # The credit is charged back: nothing is owed either way.
    assert sum(i.amount for i in _pending(client, sub.customer)) == 0
    client.v1.subscriptions.update(sub.id, params={"cancel_at": at, "proration_behavior": "none"})
    control.advance(days=11)
    ended = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert (ended.status, ended.ended_at) == ("canceled", at)
    # The offsetting pending items were collected on the final invoice at cancel_at.
    assert ended.latest_invoice.total == 0
    assert _pending(client, sub.customer) == []


def test_pause_credits_unused_time_and_stops_invoicing(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = _setup(client, control, receiver)
    control.advance(days=10)
    now = control.now()
    paused = client.v1.subscriptions.pause(sub.id)
    assert paused.status == "paused"
    assert paused.status_details.paused.type == "subscription"
    assert paused.status_details.paused.subscription.type == "pause_requested"
    assert paused.status_details.paused.transitioned_at == now
    [credit] = _pending(client, sub.customer)
    assert credit.amount == -round(3000 * _fraction_left(sub, now))
    control.advance(days=60)
    assert len(client.v1.invoices.list(params={"subscription": sub.id}).data) == 1
    types = settle(control, receiver)
    assert types[:3] == [
        "invoiceitem.created",
        "customer.subscription.paused",
        "customer.subscription.updated",
    ]
    assert "invoice.created" not in types


def test_pause_options(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = _setup(client, control, receiver)
    client.v1.subscriptions.pause(sub.id, params=NO_CREDIT)
    assert _pending(client, sub.customer) == []
    other = _setup(client, control, receiver)
    paused = client.v1.subscriptions.pause(
        other.id, params={"invoicing_behavior": "invoice", "expand": ["latest_invoice"]}
    )
    credit_invoice = paused.latest_invoice
    assert credit_invoice.total == -3000
    assert credit_invoice.status == "paid"
    assert client.v1.customers.retrieve(other.customer).balance == credit_invoice.total
    with pytest.raises(stripe.InvalidRequestError, match="cannot be paused"):
        client.v1.subscriptions.pause(other.id)


def test_resume_waits_for_a_payment_attempt_by_default(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = _setup(client, control, receiver)
    client.v1.subscriptions.pause(sub.id, params=NO_CREDIT)
    control.advance(days=40)
    resumed = client.v1.subscriptions.resume(sub.id, params={"expand": ["latest_invoice"]})
    assert resumed.status == "paused"
    invoice = resumed.latest_invoice
    assert (invoice.status, invoice.attempted, invoice.auto_advance) == ("open", False, False)
    assert invoice.amount_due == 3000
    assert resumed["items"]["data"][0].current_period_start == control.now()
    receiver.clear()
    paid = client.v1.invoices.pay(invoice.id)
    assert paid.status == "paid"
    active = client.v1.subscriptions.retrieve(sub.id)
    assert (active.status, active.status_details) == ("active", None)
    assert "customer.subscription.resumed" in settle(control, receiver)


def test_resume_on_payment_attempt_with_a_failing_card_goes_past_due(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = _setup(client, control, receiver, card=FAILING_LATER)
    client.v1.subscriptions.pause(sub.id, params=NO_CREDIT)
    resumed = client.v1.subscriptions.resume(sub.id)
    with pytest.raises(stripe.CardError):
        client.v1.invoices.pay(resumed.latest_invoice)
    after = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert after.status == "past_due"
    assert after.latest_invoice.next_payment_attempt is None


def test_resume_on_payment_success_stays_paused_until_paid(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    good = _setup(client, control, receiver)
    client.v1.subscriptions.pause(good.id)
    active = client.v1.subscriptions.resume(
        good.id, params={"payment_behavior": "resume_on_payment_success"}
    )
    assert active.status == "active"
    failing = _setup(client, control, receiver, card=FAILING_LATER)
    client.v1.subscriptions.pause(failing.id, params=NO_CREDIT)
    still = client.v1.subscriptions.resume(
        failing.id,
        params={"payment_behavior": "resume_on_payment_success", "expand": ["latest_invoice"]},
    )
    assert still.status == "paused"
    assert still.latest_invoice.next_payment_attempt is not None
    client.v1.subscriptions.update(failing.id, params={"default_payment_method": "pm_card_visa"})
    control.advance(days=4)
    assert client.v1.subscriptions.retrieve(failing.id).status == "active"


def test_an_unattempted_resumption_invoice_is_voided_after_a_day(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = _setup(client, control, receiver)
    client.v1.subscriptions.pause(sub.id, params=NO_CREDIT)
    invoice_id = client.v1.subscriptions.resume(sub.id).latest_invoice
    control.advance(hours=24)
    assert client.v1.invoices.retrieve(invoice_id).status == "void"
    assert client.v1.subscriptions.retrieve(sub.id).status == "paused"


def test_resume_with_the_anchor_unchanged(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = _setup(client, control, receiver)
    end = period_end(sub)
    client.v1.subscriptions.pause(sub.id, params=NO_CREDIT)
    control.advance(days=10)
    quiet = client.v1.subscriptions.resume(
        sub.id, params={"billing_cycle_anchor": {"type": "unchanged"}, "proration_behavior": "none"}
    )
    assert quiet.status == "active"
    assert quiet["items"]["data"][0].current_period_end == end
    assert len(client.v1.invoices.list(params={"subscription": sub.id}).data) == 1
    client.v1.subscriptions.pause(sub.id, params=NO_CREDIT)
    now = control.now()
    charged = client.v1.subscriptions.resume(
        sub.id,
        params={
            "billing_cycle_anchor": {"type": "unchanged"},
            "proration_behavior": "always_invoice",
            "payment_behavior": "resume_on_payment_success",
            "expand": ["latest_invoice"],
        },
    )
    assert charged.status == "active"
    assert charged.latest_invoice.total == round(3000 * _fraction_left(sub, now))
    assert charged.latest_invoice.lines.data[0].description.startswith("Remaining time on")
