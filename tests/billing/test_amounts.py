"""Whatever a reader types as an amount, checkout answers with a page: a field error, or the
way to Stripe. Never a 500. Hypothesis generates the input; every example is posted through
the real view, to the real Stripe stand-in when the amount is valid."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from billing.demo import seed_tiers
from billing.models import CheckoutSession
from billing.money import MAX_MINOR, parse_major

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe]

NUMBERISH = "0123456789.,-+eE €$£ \u00a0"
AMOUNTS = st.one_of(
    st.text(max_size=24),
    st.text(alphabet=NUMBERISH, max_size=16),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.from_regex(r"\A[€$£]?\s?[0-9]{1,4}([,. ][0-9]{3}){0,2}([.,][0-9]{1,3})?\s?[€$£]?\Z"),
)
ONE_TIME_MINIMUM = "The smallest one-time contribution is"
READER_MINIMUM = "The smallest amount for Reader is"


@pytest.fixture
def reader(settings: object, stripe_api: object) -> Client:
    """One browser for every example: a repeated amount reuses its Checkout Session (as a
    double click does), so Stripe sees each amount once. The limiter is not under test."""
    settings.BILLING_CHECKOUT_RATE_LIMITS = "100000/10m/ip,100000/10m/key"  # type: ignore[attr-defined]
    seed_tiers()
    return Client()


def parsed(amount: str) -> int | str:
    try:
        return parse_major(amount)
    except ValueError as exc:
        return str(exc)


def check_answer(reader: Client, data: dict[str, str], *, minimum_message: str) -> None:
    amount = data["amount"]
    response = reader.post("/support/checkout/", data)
    expected = parsed(amount)
    if response.status_code == 303:
        session = CheckoutSession.objects.get(url=response["Location"])
        assert session.amount == expected
        assert 0 < session.amount <= MAX_MINOR
        return
    assert response.status_code == 400, (amount, response.status_code)
    errors = response.context["form"].errors
    html = response.content.decode()
    assert "There is a problem" in html
    if not amount.strip():
        return  # "enter how much" (one-time) or the tier's own price (monthly)
    assert list(errors) == ["amount"], (amount, errors)
    message = expected if isinstance(expected, str) else minimum_message
    # The form's own field checks come before the parser.
    if "\x00" in amount:
        message = "Null characters are not allowed."
    elif len(amount.strip()) > 20:
        message = "Ensure this value has at most 20 characters"
    assert escape(message) in html or message in html, (amount, errors)


@hypothesis_settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amount=AMOUNTS)
def test_no_amount_gives_a_server_error(reader: Client, amount: str) -> None:
    # A one-time gift (goes to Stripe when valid) and a custom monthly amount for Reader.
    check_answer(reader, {"interval": "once", "currency": "eur", "amount": amount},
                 minimum_message=ONE_TIME_MINIMUM)  # fmt: skip
    data = {"tier": "reader", "interval": "month", "currency": "eur", "amount": amount}
    response = reader.post("/support/checkout/", data)
    assert response.status_code in (303, 400), (amount, response.status_code)


@hypothesis_settings(max_examples=500, deadline=None)
@given(amount=AMOUNTS)
def test_the_parser_answers_a_number_in_range_or_a_reason(amount: str) -> None:
    result = parsed(amount)
    assert isinstance(result, str) or 0 < result <= MAX_MINOR


@pytest.mark.parametrize(
    ("amount", "answer"),
    [("10,000", "Write it as 10000, without a separator, or with cents, like 7.50."),
     ("1E+30", "Enter an amount as a number, like 5 or 7.50."),
     ("1e9", "Enter an amount as a number, like 5 or 7.50."),
     ("10,000.00", 1000000), ("1 000", 100000), ("€ 25", 2500)],
)  # fmt: skip
def test_the_reported_inputs(reader: Client, amount: str, answer: int | str) -> None:
    response = reader.post(
        "/support/checkout/", {"interval": "once", "currency": "eur", "amount": amount}
    )
    if isinstance(answer, int):
        assert response.status_code == 303
        assert CheckoutSession.objects.get(url=response["Location"]).amount == answer
    else:
        assert response.status_code == 400
        assert response.context["form"].errors == {"amount": [answer]}
