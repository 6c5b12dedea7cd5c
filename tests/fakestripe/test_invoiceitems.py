"""Invoice items (one-off amounts and the prorations a change leaves pending) and invoice
previews: of a new subscription, of cancelling now or inside the period, of resuming."""

from __future__ import annotations

import pytest
import stripe

from fakestripe.control import FakeStripeControl
from tests.fakestripe.helpers import DAY, make_price, period_end, settle, subscribe
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe


def test_invoice_items_wait_for_the_next_invoice(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=1000)
    sub = subscribe(client, control, price)
    mug = make_price(client, amount=450, interval=None, name="Mug")
    by_amount = client.v1.invoice_items.create(
        params={"customer": sub.customer, "amount": 300, "currency": "eur", "description": "Tip"}
    )
    assert (by_amount.amount, by_amount.invoice, by_amount.proration) == (300, None, False)
    assert by_amount.parent is None
    by_price = client.v1.invoice_items.create(
        params={"customer": sub.customer, "pricing": {"price": mug.id}, "quantity": 2}
    )
    assert by_price.amount == 900
    assert by_price.pricing.price_details.price == mug.id
    dropped = client.v1.invoice_items.create(
        params={"customer": sub.customer, "amount": 5, "currency": "eur"}
    )
    updated = client.v1.invoice_items.update(
        by_amount.id, params={"description": "Thank-you tip", "metadata": {"k": "v"}}
    )
    assert updated.description == "Thank-you tip"
    assert client.v1.invoice_items.delete(dropped.id).deleted is True
    pending = client.v1.invoice_items.list(params={"customer": sub.customer, "pending": True})
    assert {i.id for i in pending.data} == {by_amount.id, by_price.id}

    control.advance(to=period_end(sub) + 60)
    renewal = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert sorted(line.amount for line in renewal.lines.data) == [300, 900, 1000]
    assert renewal.amount_paid == 2200
    tip = next(line for line in renewal.lines.data if line.amount == 300)
    assert tip.parent.type == "invoice_item_details"
    assert tip.parent.invoice_item_details.invoice_item == by_amount.id
    assert client.v1.invoice_items.retrieve(by_amount.id).invoice == renewal.id
    assert client.v1.invoice_items.list(params={"pending": True}).data == []
    with pytest.raises(stripe.InvalidRequestError) as invoiced:
        client.v1.invoice_items.delete(by_amount.id)
    assert invoiced.value.code == "invoice_no_longer_editable"
    types = settle(control, receiver)
    assert types.count("invoiceitem.created") == 3
    assert types.count("invoiceitem.deleted") == 1


def test_pending_prorations_are_invoice_items_that_can_be_deleted(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = subscribe(client, control, make_price(client, amount=1000))
    bigger = make_price(client, amount=3000, name="Patron")
    control.advance(days=10)
    item = sub["items"]["data"][0]
    client.v1.subscriptions.update(sub.id, params={"items": [{"id": item.id, "price": bigger.id}]})
    prorations = client.v1.invoice_items.list(params={"customer": sub.customer}).data
    assert len(prorations) == 2
    assert all(p.proration and p.invoice is None for p in prorations)
    assert {p.parent.subscription_details.subscription for p in prorations} == {sub.id}
    assert {p.parent.subscription_details.subscription_item for p in prorations} == {item.id}
    charge = next(p for p in prorations if p.amount > 0)
    client.v1.invoice_items.delete(charge.id)
    control.advance(to=period_end(sub) + 60)
    renewal = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    amounts = sorted(line.amount for line in renewal.lines.data)
    assert len(amounts) == 2
    assert amounts[0] < 0
    assert amounts[1] == 3000


def test_preview_of_a_new_subscription(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    price = make_price(client, amount=1200)
    customer = client.v1.customers.create(params={"email": "n@example.com", "balance": -200})
    client.v1.invoice_items.create(
        params={"customer": customer.id, "amount": 100, "currency": "eur"}
    )
    preview = client.v1.invoices.create_preview(
        params={
            "customer": customer.id,
            "subscription_details": {"items": [{"price": price.id, "quantity": 2}]},
            "invoice_items": [{"amount": 50, "currency": "eur", "description": "Sticker"}],
        }
    )
    assert preview.id.startswith("upcoming_in_")
    assert preview.billing_reason == "subscription_create"
    assert preview.subtotal == 2450
    assert (preview.starting_balance, preview.amount_due) == (-200, 2250)
    assert "Sticker" in [line.description for line in preview.lines.data]
    # Nothing was created or taken.
    assert client.v1.subscriptions.list(params={"customer": customer.id}).data == []
    assert len(client.v1.invoice_items.list(params={"pending": True}).data) == 1
    with pytest.raises(stripe.InvalidRequestError) as mixed:
        client.v1.invoices.create_preview(
            params={
                "customer": customer.id,
                "subscription_details": {
                    "items": [
                        {"price": price.id},
                        {"price": make_price(client, interval="year").id},
                    ]
                },
            }
        )
    assert "interval" in str(mixed.value)


def test_preview_of_cancelling(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = subscribe(client, control, make_price(client, amount=3000))
    control.advance(days=10)
    item = sub["items"]["data"][0]
    start, end = item.current_period_start, item.current_period_end
    now = control.now()
    final = client.v1.invoices.create_preview(
        params={"subscription": sub.id, "subscription_details": {"cancel_now": True}}
    )
    assert final.total == -round(3000 * (end - now) / (end - start))
    with pytest.raises(stripe.InvalidRequestError) as nothing:
        client.v1.invoices.create_preview(
            params={
                "subscription": sub.id,
                "subscription_details": {"cancel_now": True, "proration_behavior": "none"},
            }
        )
    assert nothing.value.code == "invoice_upcoming_none"
    at = now + 5 * DAY
    early = client.v1.invoices.create_preview(
        params={"subscription": sub.id, "subscription_details": {"cancel_at": at}}
    )
    assert early.total == -round(3000 * (end - at) / (end - start))
    with pytest.raises(stripe.InvalidRequestError) as ending:
        client.v1.invoices.create_preview(
            params={"subscription": sub.id, "subscription_details": {"cancel_at_period_end": True}}
        )
    assert ending.value.code == "invoice_upcoming_none"
    renewal = client.v1.invoices.create_preview(params={"subscription": sub.id})
    assert (renewal.billing_reason, renewal.total) == ("upcoming", 3000)
    # A preview changes nothing.
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
    assert client.v1.invoice_items.list().data == []


def test_preview_of_resuming(client: stripe.StripeClient, control: FakeStripeControl) -> None:
    sub = subscribe(client, control, make_price(client, amount=3000))
    client.v1.subscriptions.pause(
        sub.id, params={"bill_for": {"unused_time_from": {"type": "none"}}}
    )
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.create_preview(params={"subscription": sub.id})
    preview = client.v1.invoices.create_preview(
        params={"subscription": sub.id, "subscription_details": {"resume_at": "now"}}
    )
    assert (preview.total, preview.billing_reason) == (3000, "subscription_update")
    assert client.v1.subscriptions.retrieve(sub.id).status == "paused"
