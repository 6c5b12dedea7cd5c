"""Saving a card without charging it: Checkout in ``setup`` mode (the hosted page, 3-D Secure
on setup, declines) and SetupIntents through the API."""

from __future__ import annotations

import re

import pytest
import requests
import stripe

from fakestripe.control import FakeStripeControl
from tests.fakestripe.helpers import make_price, settle
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe

CARD = {"expiry": "12 / 34", "cvc": "123", "name": "Ada Lovelace"}


def _setup_session(client: stripe.StripeClient, receiver: WebhookReceiver, customer: str) -> object:
    return client.v1.checkout.sessions.create(
        params={
            "mode": "setup",
            "currency": "eur",
            "customer": customer,
            "success_url": f"{receiver.base}/saved?session_id={{CHECKOUT_SESSION_ID}}",
            "setup_intent_data": {"metadata": {"why": "renewals"}, "description": "Card on file"},
        }
    )


def test_setup_mode_saves_a_checked_card(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    customer = client.v1.customers.create(params={"email": "ada@example.com"})
    session = _setup_session(client, receiver, customer.id)
    assert (session.mode, session.amount_total, session.payment_status) == (
        "setup",
        None,
        "no_payment_required",
    )
    si = client.v1.setup_intents.retrieve(session.setup_intent)
    assert (si.status, si.customer, si.metadata.to_dict()) == (
        "requires_payment_method",
        customer.id,
        {"why": "renewals"},
    )
    settle(control, receiver)
    receiver.clear()
    browser = requests.Session()
    page = browser.get(session.url, timeout=5)
    assert "Save a card with Test Business" in page.text
    assert "Nothing is charged now" in page.text
    assert ">Save card<" in page.text
    declined = browser.post(
        session.url, data={"card_number": "4000000000000002", **CARD}, timeout=5
    )
    assert declined.status_code == 402
    failed = client.v1.setup_intents.retrieve(session.setup_intent)
    assert failed.status == "requires_payment_method"
    assert failed.last_setup_error.decline_code == "generic_decline"
    assert client.v1.payment_methods.list(params={"customer": customer.id}).data == []
    done = browser.post(
        session.url,
        data={"card_number": "4000000000000341", **CARD},
        allow_redirects=False,
        timeout=5,
    )
    assert done.status_code == 303
    succeeded = client.v1.setup_intents.retrieve(session.setup_intent)
    assert succeeded.status == "succeeded"
    pm = client.v1.payment_methods.retrieve(succeeded.payment_method)
    assert (pm.customer, pm.card.last4) == (customer.id, "0341")
    completed = client.v1.checkout.sessions.retrieve(session.id)
    assert (completed.status, completed.payment_status) == ("complete", "no_payment_required")
    assert client.v1.charges.list().data == []
    types = settle(control, receiver)
    assert types.index("setup_intent.setup_failed") < types.index("setup_intent.succeeded")
    assert types[-1] == "checkout.session.completed"
    assert "payment_intent.created" not in types


def test_setup_mode_with_three_d_secure(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    customer = client.v1.customers.create(params={"email": "t@example.com"})
    session = _setup_session(client, receiver, customer.id)
    browser = requests.Session()
    challenge = browser.post(
        session.url, data={"card_number": "4000002500003155", **CARD}, timeout=5
    )
    token = re.search(r'name="token" value="([^"]+)"', challenge.text)
    assert token, challenge.text
    action = re.search(r'<form method="post" action="([^"]+)"', challenge.text).group(1)
    approved = browser.post(
        control.base_url + action,
        data={"token": token.group(1), "action": "approve"},
        allow_redirects=False,
        timeout=5,
    )
    assert approved.status_code == 303
    assert client.v1.setup_intents.retrieve(session.setup_intent).status == "succeeded"


def test_setup_mode_validation(client: stripe.StripeClient, receiver: WebhookReceiver) -> None:
    price = make_price(client)
    with pytest.raises(stripe.InvalidRequestError) as items:
        client.v1.checkout.sessions.create(
            params={
                "mode": "setup",
                "currency": "eur",
                "success_url": "https://site.test/ok",
                "line_items": [{"price": price.id, "quantity": 1}],
            }
        )
    assert items.value.param == "line_items"
    with pytest.raises(stripe.InvalidRequestError) as currency:
        client.v1.checkout.sessions.create(
            params={"mode": "setup", "success_url": "https://site.test/ok"}
        )
    assert currency.value.param == "currency"


def test_setup_intents_through_the_api(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    customer = client.v1.customers.create(params={"email": "s@example.com"})
    saved = client.v1.setup_intents.create(
        params={"customer": customer.id, "payment_method": "pm_card_visa", "confirm": True}
    )
    assert saved.status == "succeeded"
    assert client.v1.payment_methods.retrieve(saved.payment_method).customer == customer.id
    pending = client.v1.setup_intents.create(
        params={"customer": customer.id, "usage": "on_session"}
    )
    with pytest.raises(stripe.CardError) as declined:
        client.v1.setup_intents.confirm(
            pending.id, params={"payment_method": "pm_card_visa_chargeDeclinedInsufficientFunds"}
        )
    assert declined.value.code == "card_declined"
    assert client.v1.setup_intents.retrieve(pending.id).status == "requires_payment_method"
    needs_auth = client.v1.setup_intents.confirm(
        pending.id, params={"payment_method": "pm_card_authenticationRequiredOnSetup"}
    )
    assert (needs_auth.status, needs_auth.next_action.type) == ("requires_action", "use_stripe_sdk")
    canceled = client.v1.setup_intents.cancel(
        pending.id, params={"cancellation_reason": "abandoned"}
    )
    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "abandoned")
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.setup_intents.confirm(pending.id)
    listed = client.v1.setup_intents.list(params={"customer": customer.id}).data
    assert {s.id for s in listed} == {saved.id, pending.id}
    with pytest.raises(stripe.InvalidRequestError) as secret:
        client.v1.setup_intents.retrieve(saved.id, params={"client_secret": "wrong"})
    assert secret.value.param == "client_secret"
    types = settle(control, receiver)
    for expected in (
        "setup_intent.created",
        "setup_intent.succeeded",
        "setup_intent.setup_failed",
        "setup_intent.requires_action",
        "setup_intent.canceled",
    ):
        assert expected in types


def test_submit_type_names_the_button(client: stripe.StripeClient) -> None:
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "submit_type": "donate",
            "line_items": [{"price": make_price(client, interval=None).id, "quantity": 1}],
            "success_url": "https://site.test/ok",
        }
    )
    assert ">Donate<" in requests.get(session.url, timeout=5).text
