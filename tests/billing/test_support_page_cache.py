"""The Support us page kept for anonymous readers (billing/views/page_cache.py): the same bytes
as a fresh render but for each reader's own CSRF token, and never older than the catalog."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from billing.demo import seed_tiers
from billing.models import Tier, TierPrice
from billing.views import page_cache
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _no_kept_pages() -> Iterator[None]:
    page_cache.forget_pages()
    yield
    page_cache.forget_pages()


@pytest.fixture
def tiers() -> None:
    seed_tiers()


def get(path: str = "/support/", client: Client | None = None) -> tuple[str, int]:
    """The page's HTML and how many queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = (client or Client()).get(path)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def tokens(html: str) -> set[str]:
    return set(TOKEN.findall(html))


def test_the_kept_page_is_the_rendered_page_with_a_token_of_its_own(tiers: None) -> None:
    rendered, render_queries = get()
    kept, kept_queries = get()
    assert render_queries == 3  # the catalog fingerprint, tiers, prices
    assert kept_queries == 1  # the fingerprint alone
    assert len(tokens(rendered)) == len(tokens(kept)) == 1
    assert tokens(rendered) != tokens(kept)
    assert TOKEN.sub("", kept) == TOKEN.sub("", rendered)
    assert "Pay €5 a month" in kept


def test_the_token_in_a_kept_page_passes_the_csrf_check_and_sets_the_cookie(tiers: None) -> None:
    get()  # someone else's visit renders and keeps the page
    reader = Client(enforce_csrf_checks=True)
    response = reader.get("/support/")
    assert "csrftoken" in response.cookies
    (token,) = tokens(response.content.decode())
    refused = reader.post(
        "/support/checkout/",
        {"tier": "reader", "currency": "eur", "interval": "month", "amount": "2"},
    )
    assert refused.status_code == 403  # without the token
    checked = reader.post(
        "/support/checkout/",
        {
            "csrfmiddlewaretoken": token,
            "tier": "reader",
            "currency": "eur",
            "interval": "month",
            "amount": "2",
        },
    )
    assert checked.status_code == 400  # past the CSRF check, refused by the form
    assert "The smallest amount for Reader is €3." in checked.content.decode()


def _price(amount: int) -> Callable[[], object]:
    return lambda: TierPrice.objects.filter(
        tier__slug="reader", currency="eur", interval="month"
    ).update(amount=amount)


@pytest.mark.parametrize(
    ("change", "shown", "gone"),
    [
        (_price(700), "Pay €7 a month", "Pay €5 a month"),
        (
            lambda: Tier.objects.filter(slug="patron").update(name="Benefactor"),
            "Benefactor",
            "Patron",
        ),
        (
            lambda: Tier.objects.filter(slug="insider").update(is_active=False),
            ">Patron</h2>",
            ">Insider</h2>",
        ),
        (
            lambda: TierPrice.objects.create(
                tier=Tier.objects.create(name="Founder", slug="founder", position=9),
                currency="eur",
                interval="month",
                amount=10000,
            ),
            "Pay €100 a month",
            "Memberships open soon",
        ),
        (
            lambda: TierPrice.objects.filter(tier__slug="patron", currency="eur").delete(),
            "Patron",
            "Pay €30 a month",
        ),
    ],
    ids=["price", "rename", "withdraw", "add", "remove-price"],
)
def test_any_change_to_tiers_or_prices_shows_at_once(
    tiers: None, change: Callable[[], object], shown: str, gone: str
) -> None:
    before, _ = get()
    _again, queries = get()
    assert queries == 1  # kept
    change()  # by queryset update, as a data migration or the shell would: no hook runs
    after, queries = get()
    assert queries == 3  # rendered afresh
    assert shown in after
    assert gone not in after
    assert gone in before or shown not in before


def test_signed_in_members_and_pending_messages_are_rendered_for_them(tiers: None) -> None:
    get()
    member = Client()
    member.force_login(UserFactory())
    html, queries = get(client=member)
    assert "Log out" in html
    assert queries > 1
    canceled, _ = get("/support/?checkout=canceled")
    assert "You left the payment page. Nothing was charged." in canceled
    anonymous, queries = get()
    assert queries == 1
    assert "Log in" in anonymous
    assert "Log out" not in anonymous
    assert "You left the payment page" not in anonymous


def test_variants_are_kept_apart_by_language_path_and_query(tiers: None) -> None:
    ukrainian = Client()
    ukrainian.cookies["django_language"] = "uk"
    for _ in range(2):
        assert '<html lang="uk">' in get(client=ukrainian)[0]
        assert '<html lang="en">' in get()[0]
        home, _ = get("/")
        assert 'name="next" value="/"' in home
        annual, _ = get("/support/?interval=year&currency=usd")
        assert "Pay $50 a year" in annual
        assert 'name="next" value="/support/?interval=year&amp;currency=usd"' in annual
    assert get("/support/?interval=year&currency=usd")[1] == 1


@pytest.mark.parametrize(
    "query", ["?utm_source=newsletter", "?currency=xyz", "?interval=year&interval=month"]
)
def test_other_queries_are_rendered_every_time_and_not_kept(tiers: None, query: str) -> None:
    for _ in range(2):
        html, queries = get(f"/support/{query}")
        assert queries == 2  # tiers and prices: rendered, no fingerprint asked
        assert "Give once" in html
