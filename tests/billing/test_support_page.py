"""The public Support us page and the checkout form's validation (no Stripe needed: every
case here is refused before the gateway is called)."""

import pytest
from django.test import Client

from billing.demo import seed_tiers
from billing.models import CheckoutSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers() -> None:
    seed_tiers()


def test_lists_tiers_with_monthly_prices_by_default(client: Client, tiers: None) -> None:
    page = client.get("/support/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("Reader", "Insider", "Patron"):
        assert f">{name}</h2>" in html
    assert "€5 a month" in html
    assert "Pay €5 a month" in html
    assert "Or choose your amount" in html  # the Reader tier takes a custom amount
    assert "Give once" in html


def test_annual_prices_show_the_saving_in_the_chosen_currency(client: Client, tiers: None) -> None:
    html = client.get("/support/?interval=year&currency=usd").content.decode()
    assert "$50 a year" in html
    # 12 x $5 = $60 against $50 a year: 17 % less.
    assert "Save 17% compared with monthly" in html
    assert "Pay $50 a year" in html


def test_unknown_currency_and_interval_fall_back(client: Client, tiers: None) -> None:
    html = client.get("/support/?interval=weekly&currency=xyz").content.decode()
    assert "€5 a month" in html


def test_home_is_the_support_page(client: Client, tiers: None) -> None:
    assert "Pay €5 a month" in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tier": "reader", "currency": "eur", "interval": "month", "amount": "2"},
         "The smallest amount for Reader is €3."),
        ({"tier": "insider", "currency": "eur", "interval": "month", "amount": "20"},
         "This tier has a fixed price."),
        ({"tier": "reader", "currency": "eur", "interval": "month", "amount": "lots"},
         "Enter an amount as a number"),
        ({"interval": "once", "currency": "eur", "amount": ""},
         "Enter how much you would like to give."),
        ({"interval": "once", "currency": "eur", "amount": "1"},
         "The smallest one-time contribution is €2."),
        ({"tier": "nope", "currency": "eur", "interval": "month"},
         "Choose one of the tiers on this page."),
        ({"tier": "reader", "currency": "jpy", "interval": "month"},
         "Select a valid choice."),
        ({"currency": "eur", "interval": "month"}, "Choose a tier."),
    ],
)  # fmt: skip
def test_bad_choices_show_the_error_and_start_nothing(
    client: Client, tiers: None, data: dict, message: str
) -> None:
    response = client.post("/support/checkout/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert CheckoutSession.objects.count() == 0


def test_checkout_needs_csrf(tiers: None) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/support/checkout/", {"tier": "reader", "currency": "eur", "interval": "month"}
    )
    assert response.status_code == 403


def test_the_support_page_speaks_ukrainian(client: Client, tiers: None) -> None:
    html = client.get("/support/", HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert '<html lang="uk">' in html
    assert "Підтримати одноразово</h2>" in html  # Give once
    assert "€5 на місяць" in html
    assert "Сплатити €5 на місяць" in html
    assert "Перейти до оплати</button>" in html
    assert "Give once" not in html
    assert "Pay €5" not in html
