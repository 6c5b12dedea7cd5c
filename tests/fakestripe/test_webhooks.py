"""Webhook delivery: signatures, retries, delivery records, hold/release controls, endpoints
created through the API, and the event objects themselves."""

from __future__ import annotations

import time
from collections import Counter

import pytest
import requests
import stripe

from fakestripe.control import FakeStripeControl
from tests.fakestripe.helpers import settle
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe


def _customers(client: stripe.StripeClient, count: int) -> list[str]:
    return [
        client.v1.customers.create(params={"email": f"n{i}@example.com"}).id for i in range(count)
    ]


def _customer_ids(receiver: WebhookReceiver) -> list[str]:
    return [e["data"]["object"]["id"] for e in receiver.of_type("customer.created")]


def test_deliveries_are_signed_with_real_time_even_after_the_clock_moves(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    control.advance(days=40)
    customer = client.v1.customers.create(params={"email": "late@example.com"})
    settle(control, receiver)
    assert receiver.rejected == []
    event = receiver.of_type("customer.created")[0]
    assert event["data"]["object"]["id"] == customer.id
    assert event["created"] >= time.time() + 39 * 86_400
    headers = receiver.headers[0]
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    signed_at = int(headers["Stripe-Signature"].split(",")[0].removeprefix("t="))
    assert abs(signed_at - time.time()) < 30
    # The library's default tolerance (300 s) holds because the signature uses wall-clock time.
    assert event["pending_webhooks"] == 1


def test_hold_then_release_in_reverse_and_shuffled_order(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    control.hold_webhooks()
    created = _customers(client, 5)
    assert control.wait_idle(timeout=5)
    assert receiver.events == []
    assert len(control.held_webhooks()) == 5
    assert control.release_webhooks(order="reverse")["released"] == 5
    settle(control, receiver)
    assert _customer_ids(receiver) == created[::-1]

    receiver.clear()
    control.hold_webhooks()
    created = _customers(client, 6)
    control.release_webhooks(order="shuffle", seed=3)
    settle(control, receiver)
    arrived = _customer_ids(receiver)
    assert sorted(arrived) == sorted(created)
    assert arrived != created


def test_release_with_duplicates_and_concurrency(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    control.hold_webhooks()
    created = _customers(client, 3)
    receiver.delay = 0.2
    assert control.release_webhooks(duplicates=3, concurrent=True)["released"] == 9
    settle(control, receiver)
    counts = Counter(_customer_ids(receiver))
    assert counts == dict.fromkeys(created, 3)
    assert receiver.max_inflight > 1
    event_ids = Counter(e["id"] for e in receiver.events)
    assert set(event_ids.values()) == {3}


def test_failed_deliveries_are_retried_with_backoff(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    receiver.fail_next(2, status=503)
    customer = client.v1.customers.create(params={"email": "retry@example.com"})
    settle(control, receiver)
    event = receiver.of_type("customer.created")[0]
    assert event["data"]["object"]["id"] == customer.id
    attempts = control.deliveries(event=event["id"])
    assert [(d["attempt"], d["status"], d["ok"]) for d in attempts] == [
        (1, 503, False),
        (2, 503, False),
        (3, 200, True),
    ]
    first_gap = attempts[1]["at"] - attempts[0]["at"]
    second_gap = attempts[2]["at"] - attempts[1]["at"]
    assert first_gap >= 0.1
    assert second_gap >= 0.2
    assert client.v1.events.retrieve(event["id"]).pending_webhooks == 0


def test_undelivered_events_can_be_listed_and_redelivered(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    receiver.fail_type("customer.created", status=500)
    customer = client.v1.customers.create(params={"email": "lost@example.com"})
    client.v1.products.create(params={"name": "Delivered fine"})
    settle(control, receiver)
    assert receiver.of_type("customer.created") == []
    undelivered = client.v1.events.list(params={"delivery_success": False})
    assert [e.type for e in undelivered.data] == ["customer.created"]
    event = undelivered.data[0]
    assert event.data.object.id == customer.id
    assert event.pending_webhooks == 1
    attempts = control.deliveries(event=event.id)
    assert [d["status"] for d in attempts] == [500, 500, 500]
    delivered = client.v1.events.list(params={"delivery_success": True})
    assert "product.created" in [e.type for e in delivered.data]

    receiver.clear()
    control.redeliver(event.id)
    settle(control, receiver)
    assert [e["id"] for e in receiver.events] == [event.id]
    assert client.v1.events.list(params={"delivery_success": False}).data == []


def test_endpoints_created_through_the_api(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    listed = client.v1.webhook_endpoints.list()
    assert [e.url for e in listed.data] == [receiver.url]
    other = WebhookReceiver(secret="unused")
    try:
        endpoint = client.v1.webhook_endpoints.create(
            params={"url": other.url, "enabled_events": ["customer.created"]}
        )
        assert endpoint.secret.startswith("whsec_")
        other.secret = endpoint.secret
        assert "secret" not in client.v1.webhook_endpoints.retrieve(endpoint.id).to_dict()
        customer = client.v1.customers.create(params={"email": "two@example.com"})
        client.v1.customers.update(customer.id, params={"name": "Two"})
        settle(control, receiver)
        assert other.rejected == []
        assert other.types() == ["customer.created"]
        assert receiver.types() == ["customer.created", "customer.updated"]
        event_id = receiver.of_type("customer.created")[0]["id"]
        assert {d["endpoint"] for d in control.deliveries(event=event_id)} == {
            endpoint.id,
            listed.data[0].id,
        }
        assert client.v1.events.retrieve(event_id).pending_webhooks == 0

        assert client.v1.webhook_endpoints.delete(endpoint.id).deleted is True
        client.v1.customers.create(params={"email": "three@example.com"})
        settle(control, receiver)
        assert other.types() == ["customer.created"]
    finally:
        other.close()


def test_endpoint_added_through_the_control_api_uses_the_given_secret(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    other = WebhookReceiver(secret="whsec_chosen_by_the_test")
    try:
        control.add_webhook_endpoint(other.url, other.secret, ["product.created"])
        client.v1.products.create(params={"name": "Shared"})
        settle(control, receiver)
        assert other.types() == ["product.created"]
        assert other.rejected == []
    finally:
        other.close()


def test_event_objects_filters_and_request_info(
    client: stripe.StripeClient, control: FakeStripeControl, server: str
) -> None:
    customer = client.v1.customers.create(
        params={"email": "e@example.com"}, options={"idempotency_key": "key-123"}
    )
    client.v1.customers.update(customer.id, params={"name": "Eve", "metadata": {"a": "1"}})
    client.v1.products.create(params={"name": "P"})
    created = client.v1.events.list(params={"type": "customer.created"}).data[0]
    assert created.api_version == stripe._api_version._ApiVersion.CURRENT
    assert created.request.idempotency_key == "key-123"
    assert created.request.id.startswith("req_")
    assert created.livemode is False
    updated = client.v1.events.list(params={"type": "customer.updated"}).data[0]
    assert updated.data.previous_attributes.to_dict() == {"name": None, "metadata": {"a": None}}
    assert updated.data.object.name == "Eve"
    customer_events = client.v1.events.list(params={"type": "customer.*"})
    assert [e.type for e in customer_events.data] == ["customer.updated", "customer.created"]
    both = client.v1.events.list(params={"types": ["product.created", "customer.created"]})
    assert {e.type for e in both.data} == {"product.created", "customer.created"}
    assert client.v1.events.retrieve(created.id).id == created.id
    in_future = client.v1.events.list(params={"created": {"gt": control.now() + 10}})
    assert in_future.data == []
    response = requests.get(
        f"{server}/v1/events/{created.id}", auth=("sk_test_fakestripe_suite", ""), timeout=5
    )
    assert response.headers["Request-Id"].startswith("req_")
    assert response.headers["Stripe-Version"]
