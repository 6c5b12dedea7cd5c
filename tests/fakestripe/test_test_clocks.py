"""Test clocks: customers on a clock live in its frozen time; advancing it renews their
subscriptions (and nothing else), with the clock's own ``advancing`` and ``ready`` events."""

from __future__ import annotations

import pytest
import stripe

from fakestripe.control import FakeStripeControl
from tests.fakestripe.helpers import DAY, make_price, period_end, settle, subscription_session
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe


def _clock_customer(client: stripe.StripeClient, clock: str) -> stripe.Customer:
    return client.v1.customers.create(
        params={"email": "clock@example.com", "test_clock": clock, "payment_method": "pm_card_visa",
                "invoice_settings": {"default_payment_method": "pm_card_visa"}}
    )  # fmt: skip


def test_a_subscription_on_a_test_clock_renews_when_the_clock_advances(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    frozen = control.now() - 40 * DAY
    clock = client.v1.test_helpers.test_clocks.create(
        params={"frozen_time": frozen, "name": "Renewals"}
    )
    assert (clock.status, clock.frozen_time, clock.name) == ("ready", frozen, "Renewals")
    customer = _clock_customer(client, clock.id)
    assert (customer.test_clock, customer.created) == (clock.id, frozen)
    price = make_price(client, amount=900)
    sub = client.v1.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": price.id}]}
    )
    assert (sub.status, sub.created, sub.test_clock) == ("active", frozen, clock.id)
    # The control API's clock leaves objects on a test clock alone.
    control.advance(days=40)
    assert len(client.v1.invoices.list(params={"subscription": sub.id}).data) == 1

    target = period_end(sub) + 60
    answer = client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": target})
    assert answer.status == "advancing"
    assert answer.status_details.advancing.target_frozen_time == target
    ready = client.v1.test_helpers.test_clocks.retrieve(clock.id)
    assert (ready.status, ready.frozen_time) == ("ready", target)
    invoices = client.v1.invoices.list(params={"subscription": sub.id}).data
    assert [i.billing_reason for i in invoices] == ["subscription_cycle", "subscription_create"]
    assert invoices[0].created == period_end(sub)
    assert invoices[0].test_clock == clock.id
    assert invoices[0].status == "paid"
    # Requests about the clock's objects see its time.
    updated = client.v1.subscriptions.update(sub.id, params={"metadata": {"k": "v"}})
    assert updated["items"]["data"][0].current_period_start == period_end(sub)
    with pytest.raises(stripe.InvalidRequestError) as backwards:
        client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": target})
    assert backwards.value.param == "frozen_time"
    settle(control, receiver)
    kinds = [e["type"] for e in receiver.events if e["type"].startswith("test_helpers.")]
    assert kinds == [
        "test_helpers.test_clock.created",
        "test_helpers.test_clock.advancing",
        "test_helpers.test_clock.ready",
    ]
    cycle = next(
        e for e in receiver.of_type("invoice.created")
        if e["data"]["object"]["billing_reason"] == "subscription_cycle"
    )  # fmt: skip
    assert cycle["created"] == period_end(sub)


def test_clock_filters_checkout_and_deletion(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    frozen = control.now() + 5 * DAY
    clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": frozen})
    customer = _clock_customer(client, clock.id)
    client.v1.customers.create(params={"email": "elsewhere@example.com"})
    on_clock = client.v1.customers.list(params={"test_clock": clock.id})
    assert [c.id for c in on_clock.data] == [customer.id]
    price = make_price(client, amount=700)
    session = subscription_session(client, price, customer=customer.id)
    assert session.created == frozen
    control.pay_checkout_session(session.id)
    sub_id = client.v1.checkout.sessions.retrieve(session.id).subscription
    sub = client.v1.subscriptions.retrieve(sub_id)
    assert (sub.created, sub.test_clock) == (frozen, clock.id)
    listed = client.v1.subscriptions.list(params={"test_clock": clock.id})
    assert [s.id for s in listed.data] == [sub_id]
    assert client.v1.test_helpers.test_clocks.list().data[0].id == clock.id

    deleted = client.v1.test_helpers.test_clocks.delete(clock.id)
    assert deleted.deleted is True
    assert client.v1.customers.retrieve(customer.id).deleted is True
    assert client.v1.subscriptions.retrieve(sub_id).status == "canceled"
    with pytest.raises(stripe.InvalidRequestError) as gone:
        client.v1.test_helpers.test_clocks.retrieve(clock.id)
    assert gone.value.http_status == 404
    assert "test_helpers.test_clock.deleted" in settle(control, receiver)
    with pytest.raises(stripe.InvalidRequestError, match="does not implement"):
        client.v1.test_helpers.test_clocks.create(
            params={"frozen_time": frozen, "customer": customer.id}
        )
