"""The "support us" widget on a plain article page of another site, in Debian's chromium:
the loader mounts the frame, the reader picks a tier, pays on the Stripe stand-in's hosted
page, and the article's address is on our checkout record, in Stripe's metadata and on the
staff page of stories that bring patrons."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client

from billing import gateway
from billing.models import CheckoutSession, Membership
from tests.article_site import article_html, article_site
from tests.billing.money_path import drain
from tests.browser import screenshot
from tests.members.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.stripe,
    pytest.mark.django_db(transaction=True),
]

EMAIL = "from.the.article@example.org"


def test_widget_on_an_article_through_checkout_records_the_article(
    live_server: object, stripe_stand_in: object, browser_page: object, settings: object
) -> None:
    page = browser_page
    base = live_server.url  # type: ignore[attr-defined]
    pages: dict[str, str] = {}
    with article_site(pages) as cms:
        article = f"{cms}/2026/11/warehouses"
        pages["/2026/11/warehouses"] = article_html(site=base)
        settings.NEWSROOM_ARTICLE_ORIGINS = [cms]  # type: ignore[attr-defined]

        page.goto(article + "?utm_source=newsletter#comments")  # type: ignore[attr-defined]
        frame_element = page.wait_for_selector("iframe[title='Support our journalism']")  # type: ignore[attr-defined]
        frame = frame_element.content_frame()
        # A reader in Britain (the browser's en-GB) sees pounds.
        frame.wait_for_selector("text=Join as Reader: £4 a month")
        # The frame grew to its content (the height message from the frame).
        page.wait_for_function(  # type: ignore[attr-defined]
            "() => document.querySelector('iframe').style.height !== '22rem'"
        )
        assert frame.url.endswith("source_url=" + quote(article, safe=""))
        screenshot(page, "billing-widget-article")

        frame.get_by_role("link", name="Join as Reader: £4 a month").click()
        # Our own support page, in the top window, the tier chosen there marked.
        page.wait_for_url(re.compile(re.escape(base) + r"/support/\?.*tier=reader"))  # type: ignore[attr-defined]
        assert page.locator(".card--chosen h2").inner_text() == "Reader"  # type: ignore[attr-defined]
        page.locator(".card--chosen").get_by_role("button", name="Pay £4 a month").click()  # type: ignore[attr-defined]

        page.wait_for_url(re.compile(re.escape(stripe_stand_in.base_url)))  # type: ignore[attr-defined]
        page.locator("#email").fill(EMAIL)  # type: ignore[attr-defined]
        page.locator("#card_number").fill("4242 4242 4242 4242")  # type: ignore[attr-defined]
        page.locator("#expiry").fill("12 / 34")  # type: ignore[attr-defined]
        page.locator("#cvc").fill("123")  # type: ignore[attr-defined]
        page.locator("#name").fill("From The Article")  # type: ignore[attr-defined]
        page.locator("#submit").click()  # type: ignore[attr-defined]
        page.wait_for_url(re.compile(re.escape(base) + r"/support/thanks/"))  # type: ignore[attr-defined]

    drain(stripe_stand_in)
    session = CheckoutSession.objects.get()
    # The article, without the query and the fragment the reader arrived with.
    assert (session.source_url, session.status) == (article, "complete")
    membership = Membership.objects.get()
    assert (membership.user.email, membership.currency, membership.amount) == (EMAIL, "gbp", 400)
    at_stripe = gateway.checkout_session_retrieve(session_id=session.stripe_session_id)
    assert at_stripe["metadata"]["source_url"] == article
    subscription = gateway.subscription_retrieve(subscription_id=membership.stripe_subscription_id)
    assert subscription["metadata"]["source_url"] == article

    staff = Client()
    staff.force_login(UserFactory(roles=["finance"]))
    listing = staff.get("/staff/articles/").content.decode()
    assert f'<a href="{article}">{article}</a>' in listing
    assert re.search(r"Patrons brought\">1</td>\s*<td data-label=\"Still patrons\">1</td>", listing)
