"""Dunning as Stripe does it: no retries after a hard decline, a retry schedule and end
behaviour that can be configured, ``status_details`` of uncollectible invoices, and paying an
uncollectible invoice."""

from __future__ import annotations

import pytest
import stripe

from fakestripe.control import FakeStripeControl, FakeStripeControlError
from tests.fakestripe.helpers import DAY, make_price, period_end, settle, subscribe
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe

FAILING_LATER = "4000000000000341"


def _failed_renewal(
    client: stripe.StripeClient, control: FakeStripeControl, sub: stripe.Subscription
) -> stripe.Invoice:
    control.advance(to=period_end(sub) + 60)
    return client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)


@pytest.mark.parametrize(
    "card", ["pm_card_chargeDeclinedExpiredCard", "pm_card_visa_chargeDeclinedStolenCard"]
)
def test_no_retry_after_a_hard_decline(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver, card: str
) -> None:
    sub = subscribe(client, control, make_price(client))
    client.v1.subscriptions.update(sub.id, params={"default_payment_method": card})
    invoice = _failed_renewal(client, control, sub)
    assert (invoice.status, invoice.attempt_count) == ("open", 1)
    assert invoice.next_payment_attempt is None
    # The schedule is over at once: the subscription ends as configured (cancel).
    assert client.v1.subscriptions.retrieve(sub.id).status == "canceled"
    settle(control, receiver)
    failed = receiver.of_type("invoice.payment_failed")
    assert [e["data"]["object"]["next_payment_attempt"] for e in failed] == [None]


def test_soft_declines_follow_the_configured_schedule(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    assert control.settings()["payment_retry_days"] == [3, 5, 7]
    control.settings(
        payment_retry_days=[1, 2],
        retries_exhausted="unpaid",
        invoice_after_retries="uncollectible",
    )
    sub = subscribe(client, control, make_price(client), card=FAILING_LATER)
    renewal_at = period_end(sub)
    invoice = _failed_renewal(client, control, sub)
    assert invoice.next_payment_attempt == renewal_at + DAY
    control.advance(to=renewal_at + 3 * DAY)
    invoice = client.v1.invoices.retrieve(invoice.id)
    assert (invoice.attempt_count, invoice.status) == (3, "uncollectible")
    assert invoice.status_details.uncollectible.reason == "max_payment_attempts"
    assert client.v1.subscriptions.retrieve(sub.id).status == "unpaid"
    # Paying an uncollectible invoice is allowed, and makes the subscription current.
    pm = client.v1.payment_methods.attach("pm_card_visa", params={"customer": sub.customer})
    paid = client.v1.invoices.pay(invoice.id, params={"payment_method": pm.id})
    assert (paid.status, paid.status_details) == ("paid", None)
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
    control.reset()
    assert control.settings()["payment_retry_days"] == [3, 5, 7]


def test_settings_are_validated(control: FakeStripeControl) -> None:
    for bad in (
        {"payment_retry_days": [5, 3]},
        {"retries_exhausted": "explode"},
        {"colour": "red"},
    ):
        with pytest.raises(FakeStripeControlError) as error:
            control.settings(**bad)
        assert error.value.status == 400


def test_uncollectible_reasons(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = subscribe(client, control, make_price(client), card=FAILING_LATER)
    invoice = _failed_renewal(client, control, sub)
    forgiven = client.v1.invoices.mark_uncollectible(invoice.id)
    assert forgiven.status_details.uncollectible.reason == "user_forgiven"
    paused = subscribe(client, control, make_price(client))
    client.v1.subscriptions.update(
        paused.id, params={"pause_collection": {"behavior": "mark_uncollectible"}}
    )
    kept = _failed_renewal(client, control, paused)
    assert kept.status_details.uncollectible.reason == "subscription_paused"
