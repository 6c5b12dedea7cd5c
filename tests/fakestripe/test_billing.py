"""Time-driven billing: renewals, failed payments and retries, recovery, cancellation at period
end, pause_collection, price changes with prorations and previews."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from fakestripe.control import FakeStripeControl
from tests.fakestripe.helpers import DAY, make_price, period_end, settle, subscribe
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe

FAILING_LATER = "4000000000000341"


def _renewal_setup(
    client: stripe.StripeClient,
    control: FakeStripeControl,
    receiver: WebhookReceiver,
    card: str = "4242424242424242",
    amount: int = 500,
) -> tuple[stripe.Price, stripe.Subscription]:
    price = make_price(client, amount=amount)
    sub = subscribe(client, control, price, card=card)
    settle(control, receiver)
    receiver.clear()
    return price, sub


def _objects(receiver: WebhookReceiver, event_type: str) -> list[dict[str, Any]]:
    return [e["data"]["object"] for e in receiver.of_type(event_type)]


def test_renewal_after_a_month(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver)
    first_end = period_end(sub)
    control.advance(days=31)
    types = settle(control, receiver)
    assert types == [
        "invoice.upcoming",
        "customer.subscription.updated",
        "invoice.created",
        "invoice.finalized",
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "invoice_payment.paid",
        "invoice.paid",
        "invoice.payment_succeeded",
    ]
    upcoming = receiver.of_type("invoice.upcoming")[0]
    assert upcoming["created"] == first_end - 3 * DAY
    assert upcoming["data"]["object"]["id"] is None
    assert upcoming["data"]["object"]["billing_reason"] == "upcoming"
    assert upcoming["data"]["object"]["amount_due"] == 500

    updated = receiver.of_type("customer.subscription.updated")[0]
    assert updated["created"] == first_end
    assert updated["request"]["id"] is None
    previous_item = updated["data"]["previous_attributes"]["items"]["data"][0]
    assert previous_item["current_period_end"] == first_end
    new_item = updated["data"]["object"]["items"]["data"][0]
    assert new_item["current_period_start"] == first_end
    assert new_item["current_period_end"] > first_end + 27 * DAY

    invoice = _objects(receiver, "invoice.paid")[0]
    assert invoice["billing_reason"] == "subscription_cycle"
    assert invoice["status"] == "paid"
    assert invoice["amount_paid"] == 500
    assert invoice["parent"]["subscription_details"]["subscription"] == sub.id
    assert invoice["lines"]["data"][0]["period"]["start"] == first_end

    renewed = client.v1.subscriptions.retrieve(sub.id)
    assert renewed.status == "active"
    assert renewed.latest_invoice == invoice["id"]
    assert len(client.v1.invoices.list(params={"subscription": sub.id}).data) == 2

    # A year later there have been twelve more renewals, processed in order.
    result = control.advance(days=365)
    renewals = [step for step in result["processed"] if step["action"] == "renew"]
    assert len(renewals) == 12
    assert [s["at"] for s in renewals] == sorted(s["at"] for s in renewals)


def test_failing_card_goes_past_due_retries_then_cancels(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver, card=FAILING_LATER)
    assert sub.status == "active"
    renewal_at = period_end(sub)
    control.advance(to=renewal_at + 60)
    types = settle(control, receiver)
    assert "charge.failed" in types
    assert "payment_intent.payment_failed" in types
    failed = _objects(receiver, "invoice.payment_failed")
    assert len(failed) == 1
    assert failed[0]["attempt_count"] == 1
    assert failed[0]["next_payment_attempt"] == renewal_at + 3 * DAY
    assert failed[0]["status"] == "open"
    past_due = [
        e
        for e in receiver.of_type("customer.subscription.updated")
        if e["data"]["object"]["status"] == "past_due"
    ]
    assert past_due[0]["data"]["previous_attributes"]["status"] == "active"
    assert client.v1.subscriptions.retrieve(sub.id).status == "past_due"
    pi = _objects(receiver, "payment_intent.payment_failed")[0]
    assert pi["last_payment_error"]["code"] == "card_declined"

    control.advance(to=renewal_at + 3 * DAY + 60)
    settle(control, receiver)
    failed = _objects(receiver, "invoice.payment_failed")
    assert [f["attempt_count"] for f in failed] == [1, 2]
    assert failed[-1]["next_payment_attempt"] == renewal_at + 5 * DAY

    control.advance(to=renewal_at + 8 * DAY)
    types = settle(control, receiver)
    failed = _objects(receiver, "invoice.payment_failed")
    assert [f["attempt_count"] for f in failed] == [1, 2, 3, 4]
    assert failed[-1]["next_payment_attempt"] is None
    deleted = _objects(receiver, "customer.subscription.deleted")
    assert len(deleted) == 1
    assert deleted[0]["status"] == "canceled"
    assert deleted[0]["cancellation_details"]["reason"] == "payment_failed"
    assert types.index("customer.subscription.deleted") > types.index("invoice.payment_failed")
    final = client.v1.subscriptions.retrieve(sub.id)
    assert final.status == "canceled"
    assert final.ended_at == renewal_at + 7 * DAY
    # Nothing more happens to a canceled subscription.
    receiver.clear()
    control.advance(days=60)
    assert settle(control, receiver) == []


def test_invoice_pay_recovers_a_past_due_subscription(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver, card=FAILING_LATER)
    control.advance(to=period_end(sub) + 60)
    invoice_id = client.v1.subscriptions.retrieve(sub.id).latest_invoice
    with pytest.raises(stripe.CardError) as declined:
        client.v1.invoices.pay(invoice_id)
    assert declined.value.code == "card_declined"
    pm = client.v1.payment_methods.attach("pm_card_visa", params={"customer": sub.customer})
    paid = client.v1.invoices.pay(invoice_id, params={"payment_method": pm.id})
    assert paid.status == "paid"
    assert paid.next_payment_attempt is None
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
    settle(control, receiver)
    assert _objects(receiver, "invoice.paid")[-1]["id"] == invoice_id
    assert _objects(receiver, "customer.subscription.updated")[-1]["status"] == "active"
    with pytest.raises(stripe.InvalidRequestError, match="already paid"):
        client.v1.invoices.pay(invoice_id)


def test_new_default_card_is_used_by_the_next_retry(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver, card=FAILING_LATER)
    renewal_at = period_end(sub)
    control.advance(to=renewal_at + 60)
    assert client.v1.subscriptions.retrieve(sub.id).status == "past_due"
    client.v1.subscriptions.update(sub.id, params={"default_payment_method": "pm_card_visa"})
    control.advance(to=renewal_at + 3 * DAY + 60)
    recovered = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert recovered.status == "active"
    assert recovered.latest_invoice.status == "paid"
    assert recovered.latest_invoice.attempt_count == 2


def test_switching_to_a_failing_card_breaks_the_next_renewal(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver)
    client.v1.subscriptions.update(
        sub.id, params={"default_payment_method": "pm_card_chargeCustomerFail"}
    )
    control.advance(days=31)
    assert client.v1.subscriptions.retrieve(sub.id).status == "past_due"


def test_cancel_at_period_end_and_undo(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver)
    end = period_end(sub)
    scheduled = client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": True})
    assert scheduled.cancel_at_period_end is True
    assert scheduled.cancel_at == end
    assert scheduled.canceled_at is not None
    assert scheduled.status == "active"
    undone = client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": False})
    assert undone.cancel_at is None
    assert undone.cancel_at_period_end is False
    client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": True})
    settle(control, receiver)
    updates = receiver.of_type("customer.subscription.updated")
    assert updates[0]["data"]["previous_attributes"]["cancel_at_period_end"] is False
    assert updates[0]["request"]["id"].startswith("req_")
    assert updates[1]["data"]["previous_attributes"]["cancel_at_period_end"] is True

    receiver.clear()
    control.advance(days=40)
    types = settle(control, receiver)
    assert types == ["customer.subscription.deleted"]
    ended = receiver.of_type("customer.subscription.deleted")[0]
    assert ended["created"] == end
    assert ended["data"]["object"]["ended_at"] == end
    assert ended["data"]["object"]["cancellation_details"]["reason"] == "cancellation_requested"
    assert len(client.v1.invoices.list(params={"subscription": sub.id}).data) == 1


def test_cancel_immediately(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver)
    canceled = client.v1.subscriptions.cancel(
        sub.id, params={"cancellation_details": {"comment": "moving abroad"}}
    )
    assert canceled.status == "canceled"
    assert canceled.cancellation_details.comment == "moving abroad"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": True})
    updated = client.v1.subscriptions.update(sub.id, params={"metadata": {"note": "ok"}})
    assert updated.metadata["note"] == "ok"
    assert settle(control, receiver)[0] == "customer.subscription.deleted"
    assert client.v1.subscriptions.list(params={"customer": sub.customer}).data == []
    assert len(client.v1.subscriptions.list(params={"status": "all"}).data) == 1


def test_pause_collection_keeps_invoices_uncollected(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver)
    paused = client.v1.subscriptions.update(
        sub.id, params={"pause_collection": {"behavior": "keep_as_draft"}}
    )
    assert paused.pause_collection.behavior == "keep_as_draft"
    control.advance(days=31)
    draft = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert draft.status == "draft"
    assert draft.amount_paid == 0
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"

    client.v1.subscriptions.update(sub.id, params={"pause_collection": {"behavior": "void"}})
    control.advance(days=31)
    voided = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert voided.status == "void"

    cleared = client.v1.subscriptions.update(sub.id, params={"pause_collection": ""})
    assert cleared.pause_collection is None
    control.advance(days=31)
    charged = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert charged.status == "paid"
    types = settle(control, receiver)
    assert "invoice.voided" in types
    assert "charge.succeeded" in types
    assert types.count("charge.succeeded") == 1


def test_pause_collection_resumes_at(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver)
    resume_at = control.now() + 10 * DAY
    client.v1.subscriptions.update(
        sub.id,
        params={"pause_collection": {"behavior": "mark_uncollectible", "resumes_at": resume_at}},
    )
    control.advance(days=11)
    assert client.v1.subscriptions.retrieve(sub.id).pause_collection is None
    control.advance(days=25)
    latest = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert latest.status == "paid"


def test_pause_and_resume_endpoints(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver)
    paused = client.v1.subscriptions.pause(sub.id)
    assert paused.status == "paused"
    control.advance(days=45)
    assert len(client.v1.invoices.list(params={"subscription": sub.id}).data) == 1
    resumed = client.v1.subscriptions.resume(sub.id)
    assert resumed.status == "active"
    assert resumed["items"]["data"][0]["current_period_start"] == control.now()
    invoices = client.v1.invoices.list(params={"subscription": sub.id}).data
    assert invoices[0].status == "paid"
    types = settle(control, receiver)
    assert "customer.subscription.paused" in types
    assert "customer.subscription.resumed" in types


def test_price_change_preview_then_always_invoice(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price, sub = _renewal_setup(client, control, receiver, amount=1000)
    bigger = make_price(client, amount=2000, name="Patron")
    control.advance(days=10)
    item_id = sub["items"]["data"][0]["id"]
    when = control.now()
    preview = client.v1.invoices.create_preview(
        params={
            "customer": sub.customer,
            "subscription": sub.id,
            "subscription_details": {
                "items": [{"id": item_id, "price": bigger.id}],
                "proration_behavior": "always_invoice",
                "proration_date": when,
            },
        }
    )
    assert preview.id.startswith("upcoming_in_")
    prorations = [
        line for line in preview.lines.data if line.parent.subscription_item_details.proration
    ]
    assert len(prorations) == 2
    credit, charge = sorted(prorations, key=lambda line: line.amount)
    assert credit.amount < 0 < charge.amount
    assert credit.description.startswith("Unused time on Supporter")
    assert charge.description.startswith("Remaining time on Patron")
    start, end = sub["items"]["data"][0]["current_period_start"], period_end(sub)
    fraction = (end - when) / (end - start)
    assert credit.amount == -round(1000 * fraction)
    assert charge.amount == round(2000 * fraction)
    assert preview.amount_due == credit.amount + charge.amount

    updated = client.v1.subscriptions.update(
        sub.id,
        params={
            "items": [{"id": item_id, "price": bigger.id}],
            "proration_behavior": "always_invoice",
            "proration_date": when,
            "expand": ["latest_invoice"],
        },
    )
    assert updated["items"]["data"][0]["price"]["id"] == bigger.id
    invoice = updated.latest_invoice
    assert invoice.billing_reason == "subscription_update"
    assert invoice.status == "paid"
    assert invoice.amount_paid == preview.amount_due
    settle(control, receiver)
    change = receiver.of_type("customer.subscription.updated")[0]
    old = change["data"]["previous_attributes"]["items"]["data"][0]
    assert old["price"]["id"] == price.id


def test_create_prorations_land_on_the_next_invoice(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver, amount=1000)
    bigger = make_price(client, amount=3000, name="Patron")
    control.advance(days=15)
    item_id = sub["items"]["data"][0]["id"]
    client.v1.subscriptions.update(sub.id, params={"items": [{"id": item_id, "price": bigger.id}]})
    assert len(client.v1.invoices.list(params={"subscription": sub.id}).data) == 1
    upcoming = client.v1.invoices.create_preview(params={"subscription": sub.id})
    amounts = sorted(line.amount for line in upcoming.lines.data)
    assert len(amounts) == 3
    assert 3000 in amounts
    control.advance(days=20)
    renewal = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert renewal.billing_reason == "subscription_cycle"
    assert sorted(line.amount for line in renewal.lines.data) == amounts
    assert renewal.amount_paid == sum(amounts)


def test_proration_none_changes_price_from_next_period(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver, amount=1000)
    cheaper = make_price(client, amount=400, name="Reader")
    item_id = sub["items"]["data"][0]["id"]
    client.v1.subscriptions.update(
        sub.id,
        params={"items": [{"id": item_id, "price": cheaper.id}], "proration_behavior": "none"},
    )
    control.advance(days=31)
    renewal = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert [line.amount for line in renewal.lines.data] == [400]


def test_downgrade_credit_is_used_by_the_next_invoice(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver, amount=2000)
    cheaper = make_price(client, amount=500, name="Reader")
    item_id = sub["items"]["data"][0]["id"]
    updated = client.v1.subscriptions.update(
        sub.id,
        params={
            "items": [{"id": item_id, "price": cheaper.id}],
            "proration_behavior": "always_invoice",
            "expand": ["latest_invoice"],
        },
    )
    credit_invoice = updated.latest_invoice
    assert credit_invoice.total < 0
    assert credit_invoice.amount_due == 0
    assert credit_invoice.status == "paid"
    balance = client.v1.customers.retrieve(sub.customer).balance
    assert balance == credit_invoice.total
    control.advance(days=31)
    renewal = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert renewal.total == 500
    assert renewal.starting_balance == balance
    assert renewal.amount_due == max(0, 500 + balance)


def test_interval_change_resets_the_billing_period(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver, amount=1000)
    yearly = make_price(client, amount=10000, interval="year", name="Annual")
    control.advance(days=5)
    item_id = sub["items"]["data"][0]["id"]
    updated = client.v1.subscriptions.update(
        sub.id,
        params={"items": [{"id": item_id, "price": yearly.id}], "expand": ["latest_invoice"]},
    )
    item = updated["items"]["data"][0]
    assert item.current_period_start == control.now()
    assert item.current_period_end - item.current_period_start >= 365 * DAY
    invoice = updated.latest_invoice
    assert 10000 in [line.amount for line in invoice.lines.data]
    assert invoice.status == "paid"


def test_price_change_validation(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver)
    item_id = sub["items"]["data"][0]["id"]
    dollars = make_price(client, currency="usd")
    with pytest.raises(stripe.InvalidRequestError, match="currency"):
        client.v1.subscriptions.update(
            sub.id, params={"items": [{"id": item_id, "price": dollars.id}]}
        )
    with pytest.raises(stripe.InvalidRequestError) as foreign:
        client.v1.subscriptions.update(
            sub.id, params={"items": [{"id": "si_other", "price": dollars.id}]}
        )
    assert foreign.value.param == "items[0][id]"
    with pytest.raises(stripe.InvalidRequestError, match="proration_date"):
        client.v1.subscriptions.update(
            sub.id,
            params={"items": [{"id": item_id, "quantity": 2}], "proration_date": 1},
        )


def test_subscriptions_created_through_the_api(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client)
    good = client.v1.customers.create(
        params={
            "email": "a@example.com",
            "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        }
    )
    active = client.v1.subscriptions.create(
        params={"customer": good.id, "items": [{"price": price.id}], "metadata": {"m": "1"}}
    )
    assert active.status == "active"
    poor = client.v1.customers.create(params={"email": "b@example.com"})
    pm = client.v1.payment_methods.attach(
        "pm_card_visa_chargeDeclinedInsufficientFunds", params={"customer": poor.id}
    )
    with pytest.raises(stripe.CardError) as declined:
        client.v1.subscriptions.create(
            params={
                "customer": poor.id,
                "items": [{"price": price.id}],
                "default_payment_method": pm.id,
                "payment_behavior": "error_if_incomplete",
            }
        )
    assert declined.value.code == "card_declined"
    incomplete = client.v1.subscriptions.create(
        params={
            "customer": poor.id,
            "items": [{"price": price.id}],
            "default_payment_method": pm.id,
        }
    )
    assert incomplete.status == "incomplete"
    control.advance(days=1)
    assert client.v1.subscriptions.retrieve(incomplete.id).status == "incomplete_expired"


def test_billing_cycle_anchor_now_credits_unused_time(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    _, sub = _renewal_setup(client, control, receiver, amount=3000)
    control.advance(days=10)
    updated = client.v1.subscriptions.update(
        sub.id, params={"billing_cycle_anchor": {"type": "now"}, "expand": ["latest_invoice"]}
    )
    assert updated["items"]["data"][0]["current_period_start"] == control.now()
    amounts = sorted(line.amount for line in updated.latest_invoice.lines.data)
    assert amounts[0] < 0
    assert amounts[-1] == 3000
    assert updated.latest_invoice.amount_paid == sum(amounts)
