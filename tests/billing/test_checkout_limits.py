"""`POST /support/checkout/` is limited per browser session and per client address (each
checkout that passes the form is a Stripe call), by allauth's limiter in the real Redis
cache, against the real Stripe stand-in. The limits are lowered per test through settings."""

from __future__ import annotations

import re

import pytest
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings as django_settings
from django.test import Client

from billing.models import CheckoutSession

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe]


def give(client: Client, euros: int, **extra: str):
    """A one-time gift: valid, needs no tier, and a new amount is a new Stripe session."""
    return client.post(
        "/support/checkout/",
        {"interval": "once", "currency": "eur", "amount": str(euros)},
        **extra,
    )


def assert_throttled(response: object, *, at_most: int) -> None:
    assert response.status_code == 429  # type: ignore[attr-defined]
    html = response.content.decode()  # type: ignore[attr-defined]
    assert "<h1>Too many attempts to pay</h1>" in html
    assert "Nothing was charged" in html
    assert re.search(r"You can try again after \d\d:\d\d, in about \d+ minutes?\.", html), html
    assert 1 <= int(response["Retry-After"]) <= at_most  # type: ignore[index]


def test_a_session_is_limited_and_another_session_is_not(
    settings: object, stripe_api: object
) -> None:
    settings.BILLING_CHECKOUT_RATE_LIMITS = "100/10m/ip,2/10m/key"  # type: ignore[attr-defined]
    reader = Client()
    assert give(reader, 5).status_code == 303
    assert give(reader, 6).status_code == 303
    assert_throttled(give(reader, 7), at_most=600)
    assert CheckoutSession.objects.count() == 2  # the refused one never reached Stripe
    # Another browser at the same address is not held back by this session's count.
    assert give(Client(), 8).status_code == 303


def test_an_address_is_limited_across_sessions(settings: object, stripe_api: object) -> None:
    settings.BILLING_CHECKOUT_RATE_LIMITS = "3/10m/ip,100/10m/key"  # type: ignore[attr-defined]
    for euros in (5, 6, 7):
        assert give(Client(), euros).status_code == 303  # a fresh session each time
    assert_throttled(give(Client(), 8), at_most=600)
    assert CheckoutSession.objects.count() == 3
    assert give(Client(), 9, REMOTE_ADDR="203.0.113.9").status_code == 303


def test_retry_after_says_when_the_oldest_attempt_ages_out(
    settings: object, stripe_api: object
) -> None:
    settings.BILLING_CHECKOUT_RATE_LIMITS = "1/1m/key"  # type: ignore[attr-defined]
    reader = Client()
    assert give(reader, 5).status_code == 303
    refused = give(reader, 6)
    assert_throttled(refused, at_most=60)
    assert int(refused["Retry-After"]) >= 55
    assert "in about 1 minute." in refused.content.decode()


def test_a_form_error_is_not_counted(settings: object, stripe_api: object) -> None:
    settings.BILLING_CHECKOUT_RATE_LIMITS = "1/10m/key"  # type: ignore[attr-defined]
    reader = Client()
    for typo in ("five", ""):  # not a number; no amount
        assert give(reader, typo).status_code == 400  # type: ignore[arg-type]
    assert give(reader, 5).status_code == 303


def test_the_limit_page_speaks_ukrainian(settings: object, stripe_api: object) -> None:
    settings.BILLING_CHECKOUT_RATE_LIMITS = "1/10m/key"  # type: ignore[attr-defined]
    reader = Client()
    reader.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "uk"
    assert give(reader, 5).status_code == 303
    refused = give(reader, 6)
    assert refused.status_code == 429
    assert "<h1>Забагато спроб оплати</h1>" in refused.content.decode()


def test_the_default_limits_count_per_address_and_per_session() -> None:
    rates = parse_rates(django_settings.BILLING_CHECKOUT_RATE_LIMITS)
    assert {rate.per for rate in rates} == {"ip", "key"}
