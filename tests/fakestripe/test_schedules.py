"""Subscription schedules: change the price at the next renewal (a downgrade), monthly to
annual at renewal, a change inside the period, release, cancel, and schedules that start later
or end the subscription."""

from __future__ import annotations

import pytest
import stripe

from fakestripe.control import FakeStripeControl
from tests.fakestripe.helpers import DAY, make_price, period_end, settle, subscribe
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe


def _scheduled(
    client: stripe.StripeClient,
    sub: stripe.Subscription,
    next_price: stripe.Price,
    schedule: stripe.SubscriptionSchedule | None = None,
) -> stripe.SubscriptionSchedule:
    """The subscription's current phase, then ``next_price`` from its renewal on."""
    if schedule is None:
        schedule = client.v1.subscription_schedules.create(params={"from_subscription": sub.id})
    current = schedule.phases[0]
    return client.v1.subscription_schedules.update(
        schedule.id,
        params={
            "phases": [
                {
                    "items": [{"price": current["items"][0].price, "quantity": 1}],
                    "start_date": current.start_date,
                    "end_date": current.end_date,
                },
                {"items": [{"price": next_price.id, "quantity": 1}]},
            ],
            "end_behavior": "release",
        },
    )


def test_downgrade_at_renewal(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = subscribe(client, control, make_price(client, amount=2000, name="Patron"))
    cheaper = make_price(client, amount=500, name="Reader")
    end = period_end(sub)
    schedule = client.v1.subscription_schedules.create(params={"from_subscription": sub.id})
    assert (schedule.status, schedule.subscription, schedule.end_behavior) == (
        "active",
        sub.id,
        "release",
    )
    assert schedule.current_phase.end_date == end
    assert client.v1.subscriptions.retrieve(sub.id).schedule == schedule.id
    schedule = _scheduled(client, sub, cheaper, schedule)
    assert [p.start_date for p in schedule.phases] == [sub.start_date, end]
    next_end = schedule.phases[1].end_date
    assert next_end > end + 27 * DAY
    # Nothing changes before the renewal, and the preview says what it will bill.
    assert client.v1.invoice_items.list().data == []
    preview = client.v1.invoices.create_preview(params={"schedule": schedule.id})
    assert [line.amount for line in preview.lines.data] == [500]
    with pytest.raises(stripe.InvalidRequestError) as managed:
        client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": True})
    assert "schedule" in str(managed.value)
    settle(control, receiver)
    receiver.clear()

    control.advance(to=end + 60)
    renewed = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert renewed["items"]["data"][0]["price"]["id"] == cheaper.id
    assert renewed["items"]["data"][0]["id"] == sub["items"]["data"][0]["id"]
    invoice = renewed.latest_invoice
    assert invoice.billing_reason == "subscription_cycle"
    assert [line.amount for line in invoice.lines.data] == [500]
    types = settle(control, receiver)
    assert types.index("subscription_schedule.updated") < types.index("invoice.created")
    updates = receiver.of_type("customer.subscription.updated")
    switch = next(e for e in updates if e["created"] == end)
    assert switch["data"]["previous_attributes"]["items"]["data"][0]["price"]["id"] != cheaper.id

    # After its last phase the schedule lets go; the subscription renews at the new price.
    control.advance(to=next_end + 60)
    released = client.v1.subscription_schedules.retrieve(schedule.id)
    assert (released.status, released.released_subscription) == ("released", sub.id)
    assert released.subscription is None
    after = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert after.schedule is None
    assert after.latest_invoice.amount_paid == 500
    assert "subscription_schedule.released" in settle(control, receiver)


def test_monthly_to_annual_at_renewal(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = subscribe(client, control, make_price(client, amount=500))
    annual = make_price(client, amount=5000, interval="year", name="Annual")
    end = period_end(sub)
    _scheduled(client, sub, annual)
    control.advance(to=end + 60)
    renewed = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    item = renewed["items"]["data"][0]
    assert item["price"]["id"] == annual.id
    assert item.current_period_start == end
    assert item.current_period_end - end >= 365 * DAY
    assert renewed.billing_cycle_anchor == end
    invoice = renewed.latest_invoice
    assert (invoice.billing_reason, invoice.amount_paid) == ("subscription_cycle", 5000)
    # A year later it renews yearly.
    control.advance(to=item.current_period_end + 60)
    later = client.v1.subscriptions.retrieve(sub.id)
    assert later["items"]["data"][0].current_period_start == item.current_period_end
    assert len(client.v1.invoices.list(params={"subscription": sub.id}).data) == 3


def test_a_phase_boundary_inside_the_period_prorates(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = subscribe(client, control, make_price(client, amount=1000))
    bigger = make_price(client, amount=3000, name="Patron")
    schedule = client.v1.subscription_schedules.create(params={"from_subscription": sub.id})
    current = schedule.phases[0]
    switch_at = control.now() + 10 * DAY
    client.v1.subscription_schedules.update(
        schedule.id,
        params={
            "phases": [
                {
                    "items": [{"price": current["items"][0].price}],
                    "start_date": current.start_date,
                    "end_date": switch_at,
                },
                {"items": [{"price": bigger.id}], "proration_behavior": "always_invoice"},
            ]
        },
    )
    control.advance(to=switch_at + 60)
    changed = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert changed["items"]["data"][0]["price"]["id"] == bigger.id
    invoice = changed.latest_invoice
    assert invoice.billing_reason == "subscription_update"
    assert len([line for line in invoice.lines.data if line.amount < 0]) == 1
    assert invoice.status == "paid"


def test_schedule_that_starts_later_and_ends_the_subscription(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=800)
    customer = client.v1.customers.create(
        params={
            "email": "s@example.com",
            "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        }
    )
    start = control.now() + 5 * DAY
    schedule = client.v1.subscription_schedules.create(
        params={
            "customer": customer.id,
            "start_date": start,
            "end_behavior": "cancel",
            "phases": [{"items": [{"price": price.id}], "duration": {"interval": "month"}}],
        }
    )
    assert (schedule.status, schedule.subscription) == ("not_started", None)
    assert client.v1.subscription_schedules.list(params={"scheduled": True}).data[0].id == (
        schedule.id
    )
    control.advance(days=6)
    started = client.v1.subscription_schedules.retrieve(schedule.id)
    assert started.status == "active"
    sub = client.v1.subscriptions.retrieve(started.subscription)
    assert (sub.status, sub.start_date, sub.cancel_at) == (
        "active",
        start,
        started.phases[0].end_date,
    )
    control.advance(days=40)
    assert client.v1.subscriptions.retrieve(sub.id).status == "canceled"
    done = client.v1.subscription_schedules.retrieve(schedule.id)
    assert done.status == "completed"
    assert done.completed_at == started.phases[0].end_date
    types = settle(control, receiver)
    assert "subscription_schedule.created" in types
    assert types.index("customer.subscription.deleted") < types.index(
        "subscription_schedule.completed"
    )


def test_release_and_cancel(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = subscribe(client, control, make_price(client, amount=800))
    schedule = _scheduled(client, sub, make_price(client, amount=400))
    released = client.v1.subscription_schedules.release(schedule.id)
    assert released.status == "released"
    assert client.v1.subscriptions.retrieve(sub.id).schedule is None
    # Released means the next renewal keeps the old price.
    control.advance(to=period_end(sub) + 60)
    kept = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert kept.latest_invoice.amount_paid == 800
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscription_schedules.update(schedule.id, params={"metadata": {"a": "b"}})

    other = subscribe(client, control, make_price(client, amount=900))
    doomed = client.v1.subscription_schedules.create(params={"from_subscription": other.id})
    canceled = client.v1.subscription_schedules.cancel(doomed.id)
    assert (canceled.status, canceled.canceled_at is not None) == ("canceled", True)
    assert client.v1.subscriptions.retrieve(other.id).status == "canceled"
    assert "subscription_schedule.canceled" in settle(control, receiver)


def test_schedule_validation(client: stripe.StripeClient, control: FakeStripeControl) -> None:
    sub = subscribe(client, control, make_price(client))
    schedule = client.v1.subscription_schedules.create(params={"from_subscription": sub.id})
    with pytest.raises(stripe.InvalidRequestError) as twice:
        client.v1.subscription_schedules.create(params={"from_subscription": sub.id})
    assert twice.value.param == "from_subscription"
    with pytest.raises(stripe.InvalidRequestError) as past:
        client.v1.subscription_schedules.update(
            schedule.id,
            params={"phases": [{"items": [{"price": make_price(client).id}], "start_date": 1}]},
        )
    assert past.value.param == "phases[0][start_date]"
    with pytest.raises(stripe.InvalidRequestError) as paused:
        client.v1.subscriptions.pause(sub.id)
    assert "schedule" in str(paused.value)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.subscription_schedules.update(schedule.id, params={"end_behavior": "renew"})
    assert "does not implement" in str(refused.value)
