"""Helpers for end-to-end money tests: the test client starts checkouts, the Stripe stand-in
takes payments and sends webhooks to the live site, and the real worker processes them."""

from __future__ import annotations

from django.db.models import Q
from django.test import Client

from billing.models import CheckoutSession, StripeCommand, WebhookEvent
from members.models import OutboundEmail, User
from tests.members.factories import UserFactory
from tests.utils import wait_for


def signed_in(**user_fields: object) -> tuple[Client, User]:
    """A test client logged in as a new member."""
    member = UserFactory(**user_fields)
    client = Client()
    client.force_login(member)
    return client, member


def become_patron(
    control: object, *, card: str = "4242424242424242", **checkout: str
) -> tuple[Client, User, CheckoutSession]:
    """A new member checks out, pays at the stand-in, and everything that follows is done."""
    client, member = signed_in()
    session = start_checkout(client, **checkout)
    control.pay_checkout_session(session.stripe_session_id, card=card)  # type: ignore[attr-defined]
    drain(control)
    return client, member, session


def start_checkout(client: Client, **data: str) -> CheckoutSession:
    fields = {"tier": "reader", "currency": "eur", "interval": "month", **data}
    response = client.post("/support/checkout/", fields)
    assert response.status_code == 303, response.content.decode()[:2000]
    return CheckoutSession.objects.get(url=response["Location"])


def drain(control: object, *, timeout: float = 60) -> None:
    """Wait until the stand-in has delivered everything, the worker processed the inbox, sent
    every Stripe command (whose events the stand-in then delivers, so again) and every email
    it queued."""
    while True:
        control.wait_idle(timeout=timeout)  # type: ignore[attr-defined]
        wait_for(
            lambda: not WebhookEvent.objects.filter(status="pending").exists(), timeout=timeout
        )
        if not StripeCommand.objects.filter(status="pending").exists():
            break
        wait_for(
            lambda: not StripeCommand.objects.filter(status="pending").exists(), timeout=timeout
        )
    wait_for(
        lambda: (
            not OutboundEmail.objects.filter(Q(status="pending") | Q(status="sending")).exists()
        ),
        timeout=timeout,
    )
    failed = list(WebhookEvent.objects.filter(status="failed").values_list("type", "last_error"))
    assert failed == [], failed
