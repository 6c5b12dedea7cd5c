"""Billing portal configurations and ``flow_data`` sessions, driven over real HTTP: the
features a configuration turns on, the switch list limited to its products and prices, each
flow's focused page and ``after_completion``, and a card that is checked before it is saved."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
import stripe

from fakestripe.control import FakeStripeControl
from tests.fakestripe.helpers import make_price, period_end, settle, subscribe
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe

CARD = {"expiry": "11 / 33", "cvc": "321", "name": "Ada"}


def _configuration(client: stripe.StripeClient, **features: Any) -> Any:
    return client.v1.billing_portal.configurations.create(
        params={"features": features, "business_profile": {"headline": "Support local news"}}
    )


def _session(
    client: stripe.StripeClient, receiver: WebhookReceiver, customer: str, **extra: Any
) -> Any:
    return client.v1.billing_portal.sessions.create(
        params={"customer": customer, "return_url": f"{receiver.base}/account", **extra}
    )


def _options(html: str) -> list[str]:
    return re.findall(r'<option value="(price_[^"]+)"', html)


def test_configurations_through_the_api(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    config = _configuration(
        client,
        invoice_history={"enabled": True},
        subscription_cancel={"enabled": True, "mode": "immediately"},
    )
    assert config.id.startswith("bpc_")
    assert (config.is_default, config.active) == (False, True)
    assert config.features.subscription_cancel.mode == "immediately"
    assert config.features.payment_method_update.enabled is False
    updated = client.v1.billing_portal.configurations.update(
        config.id, params={"features": {"payment_method_update": {"enabled": True}}, "name": "A"}
    )
    assert (updated.features.payment_method_update.enabled, updated.name) == (True, "A")
    assert client.v1.billing_portal.configurations.list(params={"is_default": False}).data[
        0
    ].id == (config.id)
    customer = client.v1.customers.create(params={"email": "c@example.com"})
    session = _session(client, receiver, customer.id, configuration=config.id)
    assert session.configuration == config.id
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        _session(client, receiver, customer.id, configuration="bpc_nope")
    assert unknown.value.param == "configuration"
    client.v1.billing_portal.configurations.update(config.id, params={"active": False})
    with pytest.raises(stripe.InvalidRequestError, match="not active"):
        _session(client, receiver, customer.id, configuration=config.id)
    default = _session(client, receiver, customer.id)
    assert client.v1.billing_portal.configurations.retrieve(default.configuration).is_default
    types = settle(control, receiver)
    assert "billing_portal.configuration.created" in types
    assert "billing_portal.configuration.updated" in types


def test_the_switch_list_is_the_configurations_prices(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=500, name="Reader")
    sub = subscribe(client, control, price)
    patron = make_price(client, amount=1200, name="Patron")
    make_price(client, amount=900, name="Hidden")
    config = _configuration(
        client,
        subscription_update={
            "enabled": True,
            "default_allowed_updates": ["price"],
            "products": [{"product": patron.product, "prices": [patron.id]}],
            "proration_behavior": "none",
        },
    )
    page = requests.get(
        _session(client, receiver, sub.customer, configuration=config.id).url, timeout=5
    )
    assert _options(page.text) == [patron.id]
    assert "Update card" not in page.text
    assert "Support local news" in page.text
    everything = requests.get(_session(client, receiver, sub.customer).url, timeout=5)
    assert len(_options(everything.text)) == 2


def test_payment_method_update_flow_checks_the_card(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = subscribe(client, control, make_price(client))
    before = client.v1.customers.retrieve(sub.customer).invoice_settings.default_payment_method
    session = _session(
        client,
        receiver,
        sub.customer,
        flow_data={
            "type": "payment_method_update",
            "after_completion": {
                "type": "redirect",
                "redirect": {"return_url": f"{receiver.base}/card-saved"},
            },
        },
    )
    assert session.flow.type == "payment_method_update"
    assert session.flow.after_completion.redirect.return_url == f"{receiver.base}/card-saved"
    browser = requests.Session()
    page = browser.get(session.url, timeout=5)
    assert "Update your payment method" in page.text
    assert "Switch to" not in page.text
    declined = browser.post(
        session.url, data={"action": "update_card", "card_number": "4000000000000002", **CARD}
    )
    assert declined.status_code == 402
    after = client.v1.customers.retrieve(sub.customer)
    assert after.invoice_settings.default_payment_method == before
    assert len(client.v1.payment_methods.list(params={"customer": sub.customer}).data) == 1
    saved = browser.post(
        session.url,
        data={"action": "update_card", "card_number": "5555555555554444", **CARD},
        allow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["Location"] == f"{receiver.base}/card-saved"
    card = client.v1.payment_methods.retrieve(
        client.v1.customers.retrieve(sub.customer).invoice_settings.default_payment_method
    )
    assert card.card.brand == "mastercard"
    # The flow is done: the link now opens the portal's home page.
    assert "Subscriptions" in browser.get(session.url, timeout=5).text


def test_cancel_flow_with_a_reason(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = subscribe(client, control, make_price(client, amount=3000))
    other = subscribe(client, control, make_price(client), customer=sub.customer)
    config = _configuration(
        client,
        subscription_cancel={
            "enabled": True,
            "mode": "immediately",
            "proration_behavior": "create_prorations",
            "cancellation_reason": {"enabled": True, "options": ["too_expensive", "unused"]},
        },
    )
    session = _session(
        client,
        receiver,
        sub.customer,
        configuration=config.id,
        flow_data={
            "type": "subscription_cancel",
            "subscription_cancel": {"subscription": sub.id},
            "after_completion": {
                "type": "hosted_confirmation",
                "hosted_confirmation": {"custom_message": "Sorry to see you go."},
            },
        },
    )
    page = requests.get(session.url, timeout=5)
    assert "It&#39;s too expensive" in page.text
    assert other.id not in page.text
    wrong = requests.post(
        session.url, data={"action": "cancel", "subscription": other.id}, timeout=5
    )
    assert wrong.status_code == 422
    refused = requests.post(
        session.url,
        data={"action": "cancel", "subscription": sub.id, "feedback": "low_quality"},
        timeout=5,
    )
    assert refused.status_code == 422
    done = requests.post(
        session.url,
        data={"action": "cancel", "subscription": sub.id, "feedback": "too_expensive",
              "comment": "Moving away"},
        timeout=5,
    )  # fmt: skip
    assert done.status_code == 200
    assert "Sorry to see you go." in done.text
    ended = client.v1.subscriptions.retrieve(sub.id)
    assert ended.status == "canceled"
    assert (ended.cancellation_details.feedback, ended.cancellation_details.comment) == (
        "too_expensive",
        "Moving away",
    )
    credit = client.v1.invoice_items.list(params={"customer": sub.customer, "pending": True})
    assert [i.amount < 0 for i in credit.data] == [True]
    assert client.v1.subscriptions.retrieve(other.id).status == "active"


def test_update_confirm_flow_and_downgrades_at_period_end(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=1000, name="Supporter")
    sub = subscribe(client, control, price)
    bigger = make_price(client, amount=3000, name="Patron")
    smaller = make_price(client, amount=400, name="Reader")
    config = _configuration(
        client,
        subscription_update={
            "enabled": True,
            "default_allowed_updates": ["price"],
            "proration_behavior": "always_invoice",
            "products": [
                {"product": bigger.product, "prices": [bigger.id]},
                {"product": smaller.product, "prices": [smaller.id]},
            ],
            "schedule_at_period_end": {"conditions": [{"type": "decreasing_item_amount"}]},
        },
    )
    item = sub["items"]["data"][0]
    upgrade = _session(
        client,
        receiver,
        sub.customer,
        configuration=config.id,
        flow_data={
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {
                "subscription": sub.id,
                "items": [{"id": item.id, "price": bigger.id}],
            },
        },
    )
    page = requests.get(upgrade.url, timeout=5)
    assert "Confirm your new plan" in page.text
    assert "Your next invoice" in page.text
    confirmed = requests.post(
        upgrade.url, data={"action": "confirm_update", "subscription": sub.id}, timeout=5
    )
    assert confirmed.status_code == 200
    changed = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert changed["items"]["data"][0]["price"]["id"] == bigger.id
    assert changed.latest_invoice.billing_reason == "subscription_update"

    down = _session(
        client,
        receiver,
        sub.customer,
        configuration=config.id,
        flow_data={"type": "subscription_update", "subscription_update": {"subscription": sub.id}},
    )
    page = requests.get(down.url, timeout=5)
    assert _options(page.text) == [smaller.id]
    switched = requests.post(
        down.url, data={"action": "switch", "subscription": sub.id, "price": smaller.id}, timeout=5
    )
    assert "at the end of the billing period" in switched.text
    waiting = client.v1.subscriptions.retrieve(sub.id)
    assert waiting["items"]["data"][0]["price"]["id"] == bigger.id
    assert waiting.schedule is not None
    control.advance(to=period_end(sub) + 60)
    renewed = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert renewed["items"]["data"][0]["price"]["id"] == smaller.id
    assert renewed.latest_invoice.amount_paid == 400


def test_flow_validation(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = subscribe(client, control, make_price(client))
    stranger = subscribe(client, control, make_price(client), customer_email="x@example.com")
    config = _configuration(client, invoice_history={"enabled": True})
    with pytest.raises(stripe.InvalidRequestError, match="subscription_cancel feature"):
        _session(
            client,
            receiver,
            sub.customer,
            configuration=config.id,
            flow_data={
                "type": "subscription_cancel",
                "subscription_cancel": {"subscription": sub.id},
            },
        )
    with pytest.raises(stripe.InvalidRequestError) as foreign:
        _session(
            client,
            receiver,
            sub.customer,
            flow_data={
                "type": "subscription_cancel",
                "subscription_cancel": {"subscription": stranger.id},
            },
        )
    assert foreign.value.param == "flow_data[subscription_cancel][subscription]"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        _session(client, receiver, sub.customer, flow_data={"type": "subscription_update"})
    assert missing.value.code == "parameter_missing"


def test_pause_resume_and_details_on_the_home_page(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    sub = subscribe(client, control, make_price(client, amount=700))
    config = _configuration(
        client,
        subscription_pause={"enabled": True},
        customer_update={"enabled": True, "allowed_updates": ["name", "email"]},
    )
    session = _session(client, receiver, sub.customer, configuration=config.id)
    browser = requests.Session()
    browser.post(session.url, data={"action": "pause", "subscription": sub.id})
    assert client.v1.subscriptions.retrieve(sub.id).status == "paused"
    page = browser.get(session.url, timeout=5)
    assert ">Resume<" in page.text
    resumed = browser.post(session.url, data={"action": "resume", "subscription": sub.id})
    assert "resumed" in resumed.text
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
    browser.post(
        session.url,
        data={"action": "update_customer", "name": "Ada L.", "email": "ada@example.org"},
    )
    customer = client.v1.customers.retrieve(sub.customer)
    assert (customer.name, customer.email) == ("Ada L.", "ada@example.org")
    with pytest.raises(stripe.InvalidRequestError, match="does not implement"):
        _configuration(client, customer_update={"enabled": True, "allowed_updates": ["address"]})
