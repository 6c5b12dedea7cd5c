"""Shortcuts for building a catalogue and subscribing through the stand-in."""

from __future__ import annotations

from typing import Any

import stripe

from fakestripe.control import FakeStripeControl
from tests.fakestripe.receiver import WebhookReceiver

DAY = 86_400
SUCCESS_URL = "https://site.test/thanks?session_id={CHECKOUT_SESSION_ID}"
CANCEL_URL = "https://site.test/support?checkout=canceled"


def make_price(
    client: stripe.StripeClient,
    *,
    amount: int = 500,
    currency: str = "eur",
    interval: str | None = "month",
    name: str = "Supporter",
    **extra: Any,
) -> stripe.Price:
    product = client.v1.products.create(params={"name": name})
    params: dict[str, Any] = {
        "product": product.id,
        "unit_amount": amount,
        "currency": currency,
        **extra,
    }
    if interval:
        params["recurring"] = {"interval": interval}
    return client.v1.prices.create(params=params)


def subscription_session(
    client: stripe.StripeClient, price: stripe.Price, **extra: Any
) -> stripe.checkout.Session:
    params: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [{"price": price.id, "quantity": 1}],
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
        **extra,
    }
    if "customer" not in params:
        params.setdefault("customer_email", "reader@example.com")
    return client.v1.checkout.sessions.create(params=params)


def subscribe(
    client: stripe.StripeClient,
    control: FakeStripeControl,
    price: stripe.Price,
    card: str = "4242424242424242",
    **extra: Any,
) -> stripe.Subscription:
    session = subscription_session(client, price, **extra)
    control.pay_checkout_session(session.id, card=card)
    done = client.v1.checkout.sessions.retrieve(session.id)
    return client.v1.subscriptions.retrieve(done.subscription)


def settle(control: FakeStripeControl, receiver: WebhookReceiver) -> list[str]:
    """Wait for every delivery, then return the event types received so far."""
    assert control.wait_idle(timeout=20)
    return receiver.types()


def period_end(sub: stripe.Subscription) -> int:
    return sub["items"]["data"][0]["current_period_end"]
