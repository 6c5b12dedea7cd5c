"""Checkout: the hosted page driven over real HTTP, the control shortcut, declines, 3-D Secure,
one-time payments, expiry and session validation."""

from __future__ import annotations

import re

import pytest
import requests
import stripe

from fakestripe.control import FakeStripeControl, FakeStripeControlError
from tests.fakestripe.helpers import DAY, make_price, settle, subscription_session
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe

CARD_FORM = {"expiry": "12 / 34", "cvc": "123", "name": "Ada Lovelace"}


def _form_action(html: str) -> str:
    match = re.search(r'<form method="post" action="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _landing_session(client: stripe.StripeClient, receiver: WebhookReceiver, **extra: object):
    price = make_price(client, amount=500, currency="eur", name="Supporter")
    return client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": f"{receiver.base}/thanks?session_id={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{receiver.base}/support?checkout=canceled",
            **extra,
        }
    )


def test_hosted_page_pays_and_redirects_to_success_url(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    session = _landing_session(
        client,
        receiver,
        client_reference_id="ref-123",
        metadata={"user_id": "7"},
        subscription_data={"metadata": {"tier": "supporter"}},
    )
    browser = requests.Session()
    page = browser.get(session.url, timeout=5)
    assert page.status_code == 200
    html = page.text
    assert "Test Business" in html
    assert "€5.00" in html
    assert "per month" in html
    assert '<label for="email">Email</label>' in html
    assert 'href="' + f"{receiver.base}/support?checkout=canceled" in html
    assert "4242424242424242" in html

    done = browser.post(
        session.url,
        data={"email": "ada@example.com", "card_number": "4242 4242 4242 4242", **CARD_FORM},
        timeout=10,
    )
    assert done.status_code == 200
    assert done.history[0].status_code == 303
    assert receiver.visits == [f"/thanks?session_id={session.id}"]

    completed = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["subscription", "customer", "invoice", "line_items"]}
    )
    assert completed.status == "complete"
    assert completed.payment_status == "paid"
    assert completed.url is None
    assert completed.customer.email == "ada@example.com"
    assert completed.customer_details.email == "ada@example.com"
    assert completed.client_reference_id == "ref-123"
    sub = completed.subscription
    assert sub.status == "active"
    assert sub.metadata.to_dict() == {"tier": "supporter"}
    assert sub.billing_mode.type == "flexible"
    item = sub["items"]["data"][0]
    assert item.current_period_end > item.current_period_start
    assert completed.invoice.status == "paid"
    assert completed.invoice.billing_reason == "subscription_create"
    assert completed.line_items.data[0].amount_total == 500

    types = settle(control, receiver)
    for expected in (
        "customer.created",
        "payment_method.attached",
        "customer.subscription.created",
        "customer.subscription.updated",
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
        "invoice_payment.paid",
        "payment_intent.created",
        "payment_intent.succeeded",
        "charge.succeeded",
        "checkout.session.completed",
    ):
        assert expected in types
    event = receiver.of_type("checkout.session.completed")[0]
    assert event["data"]["object"]["metadata"] == {"user_id": "7"}
    assert event["data"]["object"]["subscription"] == sub.id
    assert event["request"] == {"id": None, "idempotency_key": None}
    assert event["api_version"] == stripe._api_version._ApiVersion.CURRENT


def test_declined_cards_show_an_error_and_keep_the_session_open(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    session = _landing_session(client, receiver, customer_email="reader@example.com")
    browser = requests.Session()
    page = browser.get(session.url, timeout=5)
    assert 'value="reader@example.com" readonly' in page.text

    declined = browser.post(
        session.url, data={"card_number": "4000000000000002", **CARD_FORM}, timeout=5
    )
    assert declined.status_code == 402
    assert "Your card was declined." in declined.text
    assert 'role="alert"' in declined.text
    poor = browser.post(
        session.url, data={"card_number": "4000000000009995", **CARD_FORM}, timeout=5
    )
    assert "insufficient funds" in poor.text
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert client.v1.customers.list().data == []

    paid = browser.post(
        session.url,
        data={"card_number": "4242424242424242", **CARD_FORM},
        allow_redirects=False,
        timeout=5,
    )
    assert paid.status_code == 303
    assert paid.headers["Location"].endswith(f"session_id={session.id}")
    assert client.v1.checkout.sessions.retrieve(session.id).status == "complete"
    again = browser.get(session.url, timeout=5)
    assert "already paid" in again.text


def test_invalid_card_details_are_reported_on_the_page(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    session = _landing_session(client, receiver, customer_email="reader@example.com")
    wrong_number = requests.post(
        session.url, data={"card_number": "4242424242424241", **CARD_FORM}, timeout=5
    )
    assert wrong_number.status_code == 422
    assert "card number is incorrect" in wrong_number.text
    assert 'aria-invalid="true"' in wrong_number.text
    expired = requests.post(
        session.url,
        data={**CARD_FORM, "card_number": "4242424242424242", "expiry": "01 / 20"},
        timeout=5,
    )
    assert "expiration year is in the past" in expired.text
    bad_cvc = requests.post(
        session.url, data={**CARD_FORM, "card_number": "4242424242424242", "cvc": "1"}, timeout=5
    )
    assert "security code is invalid" in bad_cvc.text
    no_email = _landing_session(client, receiver)
    missing = requests.post(
        no_email.url, data={"card_number": "4242424242424242", **CARD_FORM}, timeout=5
    )
    assert missing.status_code == 422
    assert "email" in missing.text


def test_control_pay_reports_declines(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    price = make_price(client)
    session = subscription_session(client, price)
    with pytest.raises(FakeStripeControlError) as declined:
        control.pay_checkout_session(session.id, card="4000000000000002")
    assert declined.value.status == 402
    assert declined.value.error["code"] == "card_declined"
    assert declined.value.error["decline_code"] == "generic_decline"
    with pytest.raises(FakeStripeControlError) as poor:
        control.pay_checkout_session(session.id, card="4000000000009995")
    assert poor.value.error["decline_code"] == "insufficient_funds"
    result = control.pay_checkout_session(session.id, card="4242424242424242")
    assert result["session"]["status"] == "complete"
    assert result["redirect_url"] == f"https://site.test/thanks?session_id={session.id}"
    with pytest.raises(FakeStripeControlError) as closed:
        control.pay_checkout_session(session.id)
    assert closed.value.status == 400


def test_three_d_secure_on_the_hosted_page(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    session = _landing_session(client, receiver, customer_email="reader@example.com")
    browser = requests.Session()
    challenge = browser.post(
        session.url, data={"card_number": "4000002500003155", **CARD_FORM}, timeout=5
    )
    assert challenge.status_code == 200
    assert "Authenticate your payment" in challenge.text
    action = _form_action(challenge.text)
    failed = browser.post(
        session.url.split("/c/")[0] + action,
        data={"token": _token(challenge.text), "action": "decline"},
        timeout=5,
    )
    assert failed.status_code == 402
    assert "unable to authenticate" in failed.text
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"

    challenge = browser.post(
        session.url, data={"card_number": "4000002500003155", **CARD_FORM}, timeout=5
    )
    approved = browser.post(
        session.url.split("/c/")[0] + _form_action(challenge.text),
        data={"token": _token(challenge.text), "action": "approve"},
        allow_redirects=False,
        timeout=5,
    )
    assert approved.status_code == 303
    done = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["invoice.payments"]})
    assert done.status == "complete"
    pi = client.v1.payment_intents.retrieve(
        done.invoice.payments.data[0].payment.payment_intent, params={"expand": ["latest_charge"]}
    )
    assert pi.latest_charge.payment_method_details.card.three_d_secure.result == "authenticated"


def test_three_d_secure_through_the_control_api(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    price = make_price(client)
    session = subscription_session(client, price)
    with pytest.raises(FakeStripeControlError) as failed:
        control.pay_checkout_session(session.id, card="4000002500003155", authenticate="decline")
    assert failed.value.error["code"] == "payment_intent_authentication_failure"
    result = control.pay_checkout_session(
        session.id, card="4000002500003155", authenticate="approve"
    )
    assert result["session"]["status"] == "complete"


def test_one_time_payment_with_custom_amount(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 1234,
                        "product_data": {"name": "Contribution"},
                    },
                    "quantity": 1,
                }
            ],
            "payment_intent_data": {
                "metadata": {"kind": "one_time"},
                "description": "One-time contribution",
            },
            "customer_creation": "always",
            "success_url": "https://site.test/thanks?session_id={CHECKOUT_SESSION_ID}",
        }
    )
    assert session.amount_total == 1234
    assert session.currency == "usd"
    assert session.payment_intent is None
    page = requests.get(session.url, timeout=5)
    assert "$12.34" in page.text
    assert ">Pay<" in page.text
    control.pay_checkout_session(session.id, email="giver@example.com")
    done = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.latest_charge"]}
    )
    assert done.status == "complete"
    assert done.subscription is None
    assert done.invoice is None
    pi = done.payment_intent
    assert pi.status == "succeeded"
    assert pi.amount_received == 1234
    assert pi.metadata.to_dict() == {"kind": "one_time"}
    assert pi.description == "One-time contribution"
    assert pi.customer == done.customer
    assert pi.latest_charge.paid is True
    assert client.v1.customers.retrieve(done.customer).email == "giver@example.com"
    types = settle(control, receiver)
    assert "payment_intent.succeeded" in types
    assert "charge.succeeded" in types
    assert "checkout.session.completed" in types
    assert not [t for t in types if t.startswith("invoice.")]


def test_one_time_payment_without_customer_and_declines_record_a_failed_charge(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=800, interval=None)
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [{"price": price.id, "quantity": 2}],
            "success_url": "https://site.test/ok",
            "customer_email": "guest@example.com",
        }
    )
    assert session.amount_total == 1600
    with pytest.raises(FakeStripeControlError):
        control.pay_checkout_session(session.id, card="4000000000000002")
    control.pay_checkout_session(session.id)
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.customer is None
    assert done.customer_details.email == "guest@example.com"
    charges = client.v1.charges.list(params={"payment_intent": done.payment_intent})
    assert [c.status for c in charges.data] == ["succeeded", "failed"]
    types = settle(control, receiver)
    assert "charge.failed" in types
    assert "payment_intent.payment_failed" in types


def test_expiry_by_api_and_by_clock(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client)
    first = subscription_session(client, price)
    expired = client.v1.checkout.sessions.expire(first.id)
    assert expired.status == "expired"
    assert expired.url is None
    page = requests.get(first.url, timeout=5)
    assert page.status_code == 410
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(first.id)

    second = subscription_session(client, price)
    assert second.expires_at - second.created == DAY
    control.advance(days=1, seconds=1)
    assert client.v1.checkout.sessions.retrieve(second.id).status == "expired"
    settle(control, receiver)
    assert [e["data"]["object"]["id"] for e in receiver.of_type("checkout.session.expired")] == [
        first.id,
        second.id,
    ]
    listed = client.v1.checkout.sessions.list(params={"status": "expired"})
    assert {s.id for s in listed.data} == {first.id, second.id}


def test_session_parameter_validation(client: stripe.StripeClient) -> None:
    monthly = make_price(client)
    once = make_price(client, interval=None)
    base = {"success_url": "https://site.test/ok"}
    with pytest.raises(stripe.InvalidRequestError, match="recurring price"):
        client.v1.checkout.sessions.create(
            params={"mode": "payment", "line_items": [{"price": monthly.id, "quantity": 1}], **base}
        )
    with pytest.raises(stripe.InvalidRequestError) as old_param:
        client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [{"price": once.id, "quantity": 1}],
                "payment_method_types": ["card"],
                **base,
            }
        )
    assert old_param.value.code == "payment_method_types_no_longer_supported"
    with pytest.raises(stripe.InvalidRequestError) as missing_url:
        client.v1.checkout.sessions.create(
            params={"mode": "payment", "line_items": [{"price": once.id, "quantity": 1}]}
        )
    assert missing_url.value.param == "success_url"
    with pytest.raises(stripe.InvalidRequestError) as quantity:
        client.v1.checkout.sessions.create(
            params={"mode": "subscription", "line_items": [{"price": monthly.id}], **base}
        )
    assert quantity.value.param == "line_items[0][quantity]"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "line_items": [{"price": monthly.id, "quantity": 1}],
                "customer_creation": "always",
                **base,
            }
        )
    customer = client.v1.customers.create(params={"email": "a@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as exclusive:
        client.v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "line_items": [{"price": monthly.id, "quantity": 1}],
                "customer": customer.id,
                "customer_email": "a@example.com",
                **base,
            }
        )
    assert exclusive.value.code == "parameters_exclusive"
    archived = client.v1.prices.update(once.id, params={"active": False})
    with pytest.raises(stripe.InvalidRequestError, match="inactive"):
        client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [{"price": archived.id, "quantity": 1}],
                **base,
            }
        )


def test_existing_customer_and_line_items(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    customer = client.v1.customers.create(params={"email": "member@example.com", "name": "M"})
    price = make_price(client, amount=300, currency="gbp")
    session = subscription_session(client, price, customer=customer.id)
    assert session.customer == customer.id
    page = requests.get(session.url, timeout=5)
    assert "member@example.com" in page.text
    assert "£3.00" in page.text
    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert items.data[0].price.id == price.id
    assert items.data[0].quantity == 1
    control.pay_checkout_session(session.id)
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.customer == customer.id
    assert len(client.v1.customers.list().data) == 1
    listed = client.v1.checkout.sessions.list(params={"customer": customer.id})
    assert [s.id for s in listed.data] == [session.id]
