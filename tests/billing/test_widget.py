"""The widget's frame page (headers, language, currency, what it links to), the article's
address carried through checkout to Stripe and our record, and the figure per article."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from billing import gateway
from billing.models import CheckoutSession, TierPrice
from billing.selectors import patrons_by_article
from billing.views.embed import forget_frames
from tests.billing.factories import TierFactory, TierPriceFactory
from tests.billing.money_path import drain, start_checkout
from tests.billing.patrons import end_patronage, make_patron
from tests.members.factories import UserFactory

ARTICLE = "https://news.example.org/2026/11/warehouses"
WIDGET = "/embed/support/"


@pytest.fixture
def tiers() -> None:
    forget_frames()
    reader = TierFactory(name="Reader", slug="reader", position=0)
    TierPriceFactory(tier=reader, currency="eur", amount=500)
    TierPriceFactory(tier=reader, currency="usd", amount=600)
    TierPriceFactory(tier=reader, currency="eur", interval="year", amount=5000)
    TierFactory(name="No price yet", slug="unpriced", position=1)


@pytest.mark.django_db
def test_the_frame_page_is_framable_by_the_article_sites_only_and_sets_no_cookie(
    tiers: None, settings: object
) -> None:
    response = Client().get(WIDGET, {"source_url": ARTICLE})
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors https://news.example.org" in csp
    assert "default-src 'none'" in csp
    assert "X-Frame-Options" not in response
    assert not response.cookies
    assert response["Cache-Control"] == "public, max-age=300"
    assert "Accept-Language" in response["Vary"]
    assert "Cookie" not in response["Vary"]
    # Every other page refuses to be framed.
    for path in ("/support/", "/corrections/", "/accounts/login/"):
        assert Client().get(path)["X-Frame-Options"] == "DENY", path
    settings.NEWSROOM_ARTICLE_ORIGINS = []  # type: ignore[attr-defined]
    assert "frame-ancestors 'none'" in Client().get(WIDGET)["Content-Security-Policy"]


@pytest.mark.django_db
def test_tiers_in_the_readers_language_and_currency(tiers: None) -> None:
    page = Client().get(WIDGET, {"source_url": ARTICLE}).content.decode()
    assert "Join as Reader: €5 a month" in page
    assert "No price yet" not in page  # a tier without a monthly price is not offered
    link = (
        '/support/?currency=eur&amp;tier=reader&amp;interval=month&amp;'
        'source_url=https%3A%2F%2Fnews.example.org%2F2026%2F11%2Fwarehouses#tier-reader'
    )  # fmt: skip
    assert f'href="{link}" target="_top"' in page
    us = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.8").get(WIDGET).content.decode()
    assert "Join as Reader: $6 a month" in us
    asked = Client(HTTP_ACCEPT_LANGUAGE="en-US").get(WIDGET, {"currency": "eur"})
    assert "Join as Reader: €5 a month" in asked.content.decode()
    uk = Client().get(WIDGET, {"lang": "uk"}).content.decode()
    assert '<html lang="uk">' in uk
    assert "Приєднатися як Reader: €5 на місяць" in uk


@pytest.mark.django_db
def test_a_kept_frame_never_outlives_a_price_change(tiers: None) -> None:
    query = {"source_url": ARTICLE, "currency": "eur"}
    assert "Join as Reader: €5 a month" in Client().get(WIDGET, query).content.decode()
    assert "Join as Reader: €5 a month" in Client().get(WIDGET, query).content.decode()
    TierPrice.objects.filter(currency="eur", interval="month").update(amount=700)
    assert "Join as Reader: €7 a month" in Client().get(WIDGET, query).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "source",
    [
        "https://elsewhere.example.com/story",
        "javascript:alert(1)",
        "https://news.example.org/" + "x" * 600,
        "https://user:pw@news.example.org/story",
    ],
)
def test_an_address_that_is_not_one_of_our_articles_is_dropped(tiers: None, source: str) -> None:
    page = Client().get(WIDGET, {"source_url": source}).content.decode()
    assert "source_url" not in page.split("<nav", 1)[0]
    support = Client().get("/support/", {"tier": "reader", "source_url": source}).content.decode()
    assert 'name="source_url"' not in support


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
@pytest.mark.stripe
def test_checkout_carries_the_article_into_stripe_and_onto_our_record(
    stripe_stand_in: object,
) -> None:
    client = Client()
    support = client.get(
        "/support/", {"tier": "reader", "source_url": ARTICLE + "#comments"}
    ).content.decode()
    assert f'<input type="hidden" name="source_url" value="{ARTICLE}">' in support
    session = start_checkout(client, source_url=ARTICLE)
    assert session.source_url == ARTICLE
    at_stripe = gateway.checkout_session_retrieve(session_id=session.stripe_session_id)
    assert at_stripe["metadata"]["source_url"] == ARTICLE
    stripe_stand_in.pay_checkout_session(session.stripe_session_id, email="a@example.org")  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    # A one-time gift from another article; an address from elsewhere is dropped, the
    # payment is not refused.
    other = "https://news.example.org/2026/12/buses"
    gift = start_checkout(Client(), interval="once", amount="20", source_url=other)
    assert gift.source_url == other
    stranger = start_checkout(Client(), tier="insider", source_url="https://evil.example/x")
    assert stranger.source_url == ""
    at_stripe = gateway.checkout_session_retrieve(session_id=stranger.stripe_session_id)
    assert "source_url" not in at_stripe["metadata"]


@pytest.mark.django_db
def test_patrons_by_article_counts_each_reader_once_and_who_is_still_a_patron() -> None:
    now = timezone.now()
    stays, leaves, twice = UserFactory(), UserFactory(), UserFactory()
    make_patron(stays)
    end_patronage(make_patron(leaves))
    make_patron(twice)

    def done(
        user: object,
        url: str,
        *,
        mode: str = "subscription",
        amount: int = 500,
        currency: str = "eur",
        days: int = 1,
        status: str = "complete",
    ) -> None:
        CheckoutSession.objects.create(
            stripe_session_id=f"cs_{CheckoutSession.objects.count()}", user=user, mode=mode,
            currency=currency, amount=amount, url="https://checkout.example/x",
            status=status, completed_at=now - timedelta(days=days), source_url=url,
        )  # fmt: skip

    a, b = "https://news.example.org/a", "https://news.example.org/b"
    done(stays, a)
    done(leaves, a, currency="usd", amount=600)
    done(twice, a)
    done(twice, a, days=2)  # the same reader again: one patron
    done(None, a, mode="payment", amount=2000, days=40)
    done(stays, b, mode="payment", amount=1000)
    done(stays, b, status="open")  # never completed: not counted
    done(stays, "")  # not from an article

    by_url = {item.source_url: item for item in patrons_by_article()}
    assert set(by_url) == {a, b}
    assert (by_url[a].patrons, by_url[a].still_entitled, by_url[a].one_time_gifts) == (3, 2, 1)
    assert by_url[a].first_amounts == {"eur": 500 + 500 + 2000, "usd": 600}
    assert (by_url[b].patrons, by_url[b].one_time_gifts) == (0, 1)
    assert [i.source_url for i in patrons_by_article()] == [a, b]
    recent = {i.source_url: i for i in patrons_by_article(since=now - timedelta(days=30))}
    assert recent[a].one_time_gifts == 0


@pytest.mark.django_db
def test_the_staff_page_needs_a_role() -> None:
    reader = Client()
    reader.force_login(UserFactory())
    assert reader.get("/staff/articles/").status_code == 403
    for role in ("finance", "editor"):
        staff = Client()
        staff.force_login(UserFactory(roles=[role]))
        assert staff.get("/staff/articles/").status_code == 200
