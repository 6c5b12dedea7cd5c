"""Trials: ``trialing`` with a free first invoice, ``trial_will_end`` three days before, the
first paid period at the trial's end; moving or ending a trial; what happens at the end
without a card; trials in Checkout, with or without a card."""

from __future__ import annotations

import re

import pytest
import requests
import stripe

from fakestripe.control import FakeStripeControl
from tests.fakestripe.helpers import DAY, make_price, settle, subscription_session
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe

CARD = {"expiry": "12 / 34", "cvc": "123", "name": "Ada"}


def _customer(client: stripe.StripeClient, card: str | None = "pm_card_visa") -> str:
    params = {"email": "trial@example.com"}
    if card:
        params |= {"payment_method": card, "invoice_settings": {"default_payment_method": card}}
    return client.v1.customers.create(params=params).id


def test_a_trial_then_the_first_paid_period(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=800, name="Supporter")
    start = control.now()
    sub = client.v1.subscriptions.create(
        params={
            "customer": _customer(client),
            "items": [{"price": price.id}],
            "trial_period_days": 14,
            "expand": ["latest_invoice"],
        }
    )
    trial_end = start + 14 * DAY
    assert (sub.status, sub.trial_start, sub.trial_end) == ("trialing", start, trial_end)
    assert sub.billing_cycle_anchor == trial_end
    assert sub["items"]["data"][0].current_period_end == trial_end
    first = sub.latest_invoice
    assert (first.total, first.status, first.billing_reason) == (0, "paid", "subscription_create")
    assert first.lines.data[0].description == "Trial period for Supporter"
    settle(control, receiver)
    receiver.clear()
    control.advance(to=trial_end - 3 * DAY + 60)
    assert "customer.subscription.trial_will_end" in settle(control, receiver)
    control.advance(to=trial_end + 60)
    paid = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert paid.status == "active"
    assert paid.latest_invoice.billing_reason == "subscription_cycle"
    assert paid.latest_invoice.amount_paid == 800
    item = paid["items"]["data"][0]
    assert item.current_period_start == trial_end
    assert item.current_period_end > trial_end + 27 * DAY
    settle(control, receiver)
    update = next(
        e for e in receiver.of_type("customer.subscription.updated") if e["created"] == trial_end
    )
    assert update["data"]["previous_attributes"]["status"] == "trialing"


def test_moving_and_ending_a_trial(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=600)
    customer = _customer(client)
    sub = client.v1.subscriptions.create(
        params={"customer": customer, "items": [{"price": price.id}], "trial_period_days": 7}
    )
    later = control.now() + 20 * DAY
    moved = client.v1.subscriptions.update(sub.id, params={"trial_end": later})
    assert (moved.trial_end, moved["items"]["data"][0].current_period_end) == (later, later)
    settle(control, receiver)
    assert receiver.of_type("customer.subscription.trial_will_end") == []
    # Fewer than three days left, or ended now: trial_will_end at once, as Stripe sends it.
    soon = control.now() + 2 * DAY
    client.v1.subscriptions.update(sub.id, params={"trial_end": soon})
    settle(control, receiver)
    notices = receiver.of_type("customer.subscription.trial_will_end")
    assert [n["data"]["object"]["trial_end"] for n in notices] == [soon]
    ended = client.v1.subscriptions.update(
        sub.id, params={"trial_end": "now", "expand": ["latest_invoice"]}
    )
    settle(control, receiver)
    assert len(receiver.of_type("customer.subscription.trial_will_end")) == 2
    assert ended.status == "active"
    assert ended.latest_invoice.amount_paid == 600
    assert ended["items"]["data"][0].current_period_start == control.now()
    with pytest.raises(stripe.InvalidRequestError, match="does not implement"):
        client.v1.subscriptions.update(sub.id, params={"trial_end": later})
    with pytest.raises(stripe.InvalidRequestError) as both:
        client.v1.subscriptions.create(
            params={
                "customer": customer,
                "items": [{"price": price.id}],
                "trial_period_days": 3,
                "trial_end": later,
            }
        )
    assert both.value.code == "parameters_exclusive"


@pytest.mark.parametrize(("behavior", "status"), [("cancel", "canceled"), ("pause", "paused")])
def test_the_end_of_a_trial_without_a_card(
    client: stripe.StripeClient, control: FakeStripeControl, behavior: str, status: str
) -> None:
    sub = client.v1.subscriptions.create(
        params={
            "customer": _customer(client, card=None),
            "items": [{"price": make_price(client).id}],
            "trial_period_days": 5,
            "trial_settings": {"end_behavior": {"missing_payment_method": behavior}},
        }
    )
    assert sub.trial_settings.end_behavior.missing_payment_method == behavior
    control.advance(days=6)
    after = client.v1.subscriptions.retrieve(sub.id)
    assert after.status == status
    if behavior == "pause":
        assert after.status_details.paused.subscription.type == "trial_end_without_payment_method"
    assert len(client.v1.invoices.list(params={"subscription": sub.id}).data) == 1


def test_a_trial_in_checkout(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=900, name="Supporter")
    session = subscription_session(client, price, subscription_data={"trial_period_days": 30})
    assert session.amount_total == 0
    browser = requests.Session()
    page = browser.get(session.url, timeout=5)
    assert re.search(r"Free until .*, then €9.00 per month", page.text)
    declined = browser.post(
        session.url, data={"card_number": "4000000000000002", **CARD}, timeout=5
    )
    assert declined.status_code == 402
    done = browser.post(
        session.url, data={"card_number": "4242424242424242", **CARD}, allow_redirects=False
    )
    assert done.status_code == 303
    sub = client.v1.subscriptions.retrieve(
        client.v1.checkout.sessions.retrieve(session.id).subscription
    )
    assert (sub.status, sub.trial_end > control.now() + 29 * DAY) == ("trialing", True)
    assert sub.default_payment_method is not None
    assert client.v1.charges.list().data == []


def test_a_trial_in_checkout_without_a_card(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    price = make_price(client, amount=900)
    session = subscription_session(
        client,
        price,
        payment_method_collection="if_required",
        subscription_data={
            "trial_period_days": 7,
            "trial_settings": {"end_behavior": {"missing_payment_method": "cancel"}},
        },
    )
    assert "No card is needed" in requests.get(session.url, timeout=5).text
    control.pay_checkout_session(session.id, card="")
    sub = client.v1.subscriptions.retrieve(
        client.v1.checkout.sessions.retrieve(session.id).subscription
    )
    assert (sub.status, sub.default_payment_method) == ("trialing", None)
    control.advance(days=8)
    assert client.v1.subscriptions.retrieve(sub.id).status == "canceled"
    with pytest.raises(stripe.InvalidRequestError, match="free trials only"):
        subscription_session(client, price, payment_method_collection="if_required")
