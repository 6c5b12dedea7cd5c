"""Accessibility: axe-core (from the npm registry, `make a11y`) run in Debian's chromium on
the widget and the forms of issue 17, with the WCAG 2.0/2.1 A and AA rules. Any violation
fails the test and is listed with its elements."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from members.models import ApiToken
from support.corrections.services import correction_resolve, correction_submit
from tests.article_site import article_html, article_site
from tests.billing.factories import TierFactory, TierPriceFactory
from tests.browser import DESKTOP, PHONE
from tests.members.factories import UserFactory

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CMS = "https://news.example.org"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make a11y` installs axe-core from the npm registry")
    return AXE.read_text()


@pytest.fixture
def context(chromium: object) -> Iterator[object]:
    # Our pages forbid inline scripts (CSP); axe is injected as one, so the test lifts it.
    ctx = chromium.new_context(viewport=DESKTOP, locale="en-GB", bypass_csp=True)  # type: ignore[attr-defined]
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def violations(page: object, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + json.dumps([n["target"] for n in v["nodes"]][:5])
        for v in result["violations"]
    ]


def check(page: object, url: str, axe_source: str) -> None:
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)  # type: ignore[attr-defined]
        page.goto(url)  # type: ignore[attr-defined]
        found = violations(page, axe_source)
        assert found == [], f"{url} at {size['width']} px:\n" + "\n".join(found)


def signed_in(context: object, base: str, **user: object) -> object:
    client = Client()
    client.force_login(UserFactory(**user))
    context.add_cookies(  # type: ignore[attr-defined]
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    return context.new_page()  # type: ignore[attr-defined]


@pytest.fixture
def tiers() -> None:
    for position, (name, amount) in enumerate((("Reader", 500), ("Insider", 1200))):
        tier = TierFactory(name=name, slug=name.lower(), position=position)
        TierPriceFactory(tier=tier, currency="eur", amount=amount)
        TierPriceFactory(tier=tier, currency="gbp", amount=amount - 100)


def test_the_widget_in_english_and_ukrainian_and_on_an_article(
    live_server: object, context: object, axe_source: str, tiers: None, settings: object
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    page = context.new_page()  # type: ignore[attr-defined]
    for lang in ("en", "uk"):
        check(page, f"{base}/embed/support/?lang={lang}&currency=eur", axe_source)
    pages: dict[str, str] = {}
    with article_site(pages) as cms:
        settings.NEWSROOM_ARTICLE_ORIGINS = [cms]  # type: ignore[attr-defined]
        pages["/story"] = article_html(site=base)
        page.goto(f"{cms}/story")
        page.wait_for_selector("iframe[title]")
        found = violations(page, axe_source)
        assert found == [], "\n".join(found)


def test_the_corrections_form_blank_with_errors_and_sent(
    live_server: object, context: object, axe_source: str
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    page = context.new_page()  # type: ignore[attr-defined]
    check(page, f"{base}/corrections/suggest/", axe_source)
    check(page, f"{base}/corrections/suggest/?url={CMS}/story&title=A+story", axe_source)
    page.goto(f"{base}/corrections/suggest/")
    page.get_by_role("button", name="Send my report").click()
    page.wait_for_selector(".error-summary")
    found = violations(page, axe_source)
    assert found == [], "\n".join(found)
    # Sent: fill it in as a person would, after reading for a while.
    page.goto(f"{base}/corrections/suggest/?url={CMS}/story&title=A+story")
    page.get_by_label("What is wrong or unclear?").fill("The count of lots is wrong.")
    page.wait_for_timeout(3100)  # CORRECTIONS_MIN_SECONDS: faster is a script
    page.get_by_role("button", name="Send my report").click()
    page.wait_for_selector(".reference")
    found = violations(page, axe_source)
    assert found == [], "\n".join(found)


def test_the_log_and_the_editors_queue_and_decision_form(
    live_server: object, context: object, axe_source: str
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    editor = UserFactory(roles=["editor"])
    for n in range(2):
        row = correction_submit(article_url=f"{CMS}/story-{n}", article_title=f"Story {n}",
                                problem="The count is wrong.", email="r@example.org")  # fmt: skip
    correction_resolve(correction_id=row.pk, editor=editor, outcome="corrected",
                       note="We corrected the count.")  # fmt: skip
    page = context.new_page()  # type: ignore[attr-defined]
    check(page, f"{base}/corrections/", axe_source)
    page = signed_in(context, base, roles=["editor"])
    check(page, f"{base}/staff/corrections/", axe_source)
    first = row.pk - 1
    check(page, f"{base}/staff/corrections/{first}/", axe_source)
    page.get_by_role("button", name="Save the decision").click()
    page.wait_for_selector(".error-summary")
    found = violations(page, axe_source)
    assert found == [], "\n".join(found)
    check(page, f"{base}/staff/articles/", axe_source)


def test_the_api_hand_over_and_connected_sites(
    live_server: object, context: object, axe_source: str
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    page = signed_in(context, base)
    check(page, f"{base}/api/connect/?return_to={CMS}/story&state=x", axe_source)
    check(page, f"{base}/api/connect/?return_to=https://evil.example/", axe_source)
    page.goto(f"{base}/api/connect/?return_to={CMS}/story")
    with page.expect_request(lambda r: r.url.startswith(CMS)) as going:
        page.get_by_role("button", name="Continue to the article").click()
    assert going.value.url == f"{CMS}/story"  # the token rides in the fragment, unsent
    assert ApiToken.objects.filter(origin=CMS).count() == 1
    check(page, f"{base}/account/connections/", axe_source)


def test_the_check_finds_what_it_should(context: object, axe_source: str) -> None:
    """A page with an unlabelled field, no language and low contrast fails, so a clean
    result above means something."""
    page = context.new_page()  # type: ignore[attr-defined]
    page.set_content(
        '<html><head><title>Bad</title></head><body><main><input type="text">'
        '<p style="color:#aaa;background:#fff">faint</p></main></body></html>'
    )
    found = {v.split(" ", 1)[0] for v in violations(page, axe_source)}
    assert {"label", "html-has-lang", "color-contrast"} <= found
