"""The billing portal page, driven over real HTTP like a person would."""

from __future__ import annotations

import re

import pytest
import requests
import stripe

from fakestripe.control import FakeStripeControl
from tests.fakestripe.helpers import make_price, period_end, settle, subscribe
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe

CARD = {"expiry": "11 / 33", "cvc": "321", "name": "Ada"}


def _portal(
    client: stripe.StripeClient, receiver: WebhookReceiver, customer: str
) -> stripe.billing_portal.Session:
    return client.v1.billing_portal.sessions.create(
        params={"customer": customer, "return_url": f"{receiver.base}/account"}
    )


def test_portal_card_update_recovers_a_past_due_subscription(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=900, name="Supporter")
    sub = subscribe(client, control, price, card="4000000000000341")
    control.advance(to=period_end(sub) + 60)
    assert client.v1.subscriptions.retrieve(sub.id).status == "past_due"
    settle(control, receiver)
    receiver.clear()

    portal = _portal(client, receiver, sub.customer)
    assert portal.url.startswith(control.base_url + "/p/session/")
    browser = requests.Session()
    page = browser.get(portal.url, timeout=5)
    assert page.status_code == 200
    assert "reader@example.com" in page.text
    assert "Supporter" in page.text
    assert "past due" in page.text
    assert "ending in 0341" in page.text
    assert f'href="{receiver.base}/account"' in page.text

    declined = browser.post(
        portal.url,
        data={"action": "update_card", "card_number": "4000000000000002", **CARD},
        timeout=5,
    )
    assert declined.status_code == 402
    assert "declined" in declined.text
    assert client.v1.subscriptions.retrieve(sub.id).status == "past_due"

    saved = browser.post(
        portal.url,
        data={"action": "update_card", "card_number": "4242424242424242", **CARD},
        timeout=5,
    )
    assert saved.status_code == 200
    assert saved.history[0].status_code == 303
    assert "overdue invoice is paid" in saved.text
    assert "ending in 4242" in saved.text
    recovered = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert recovered.status == "active"
    assert recovered.latest_invoice.status == "paid"
    types = settle(control, receiver)
    assert types[0] == "billing_portal.session.created"
    for expected in (
        "payment_method.attached",
        "customer.updated",
        "customer.subscription.updated",
        "invoice.paid",
    ):
        assert expected in types

    back = browser.get(f"{receiver.base}/account", timeout=5)
    assert back.status_code == 200


def test_portal_cancel_undo_and_switch_price(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=500, name="Supporter")
    patron = make_price(client, amount=1500, name="Patron")
    dollars = make_price(client, amount=1500, currency="usd", name="Dollar patron")
    yearly = make_price(client, amount=5000, interval="year", name="Annual")
    sub = subscribe(client, control, price)
    portal = _portal(client, receiver, sub.customer)
    browser = requests.Session()
    page = browser.get(portal.url, timeout=5)
    options = re.findall(r'<option value="(price_[^"]+)">([^<]+)</option>', page.text)
    offered = {price_id for price_id, _ in options}
    assert offered == {patron.id, yearly.id}
    assert dollars.id not in offered
    assert any("Patron — €15.00 per month" in label for _, label in options)

    canceled = browser.post(
        portal.url, data={"action": "cancel", "subscription": sub.id}, timeout=5
    )
    assert "will be canceled at the end" in canceled.text
    assert "Cancels on" in canceled.text
    assert client.v1.subscriptions.retrieve(sub.id).cancel_at_period_end is True
    browser.post(portal.url, data={"action": "undo_cancel", "subscription": sub.id}, timeout=5)
    assert client.v1.subscriptions.retrieve(sub.id).cancel_at_period_end is False

    switched = browser.post(
        portal.url,
        data={"action": "switch", "subscription": sub.id, "price": patron.id},
        timeout=5,
    )
    assert "plan has been changed" in switched.text
    after = client.v1.subscriptions.retrieve(sub.id)
    assert after["items"]["data"][0]["price"]["id"] == patron.id

    refused = browser.post(
        portal.url,
        data={"action": "switch", "subscription": sub.id, "price": dollars.id},
        timeout=5,
    )
    assert refused.status_code == 422
    assert "not available" in refused.text
    stranger = browser.post(
        portal.url, data={"action": "cancel", "subscription": "sub_someone_else"}, timeout=5
    )
    assert stranger.status_code == 422


def test_portal_links_and_documents(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver, server: str
) -> None:
    assert requests.get(f"{server}/p/session/not-a-token", timeout=5).status_code == 404
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.billing_portal.sessions.create(params={"customer": "cus_missing"})
    price = make_price(client, amount=700)
    sub = subscribe(client, control, price)
    invoice = client.v1.invoices.retrieve(sub.latest_invoice, params={"expand": ["payments"]})
    hosted = requests.get(invoice.hosted_invoice_url, timeout=5)
    assert hosted.status_code == 200
    assert "€7.00" in hosted.text
    assert invoice.number in hosted.text
    pi = client.v1.payment_intents.retrieve(
        invoice.payments.data[0].payment.payment_intent, params={"expand": ["latest_charge"]}
    )
    receipt = requests.get(pi.latest_charge.receipt_url, timeout=5)
    assert "Visa ending in 4242" in receipt.text
