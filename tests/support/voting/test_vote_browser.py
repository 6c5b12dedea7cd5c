"""The vote path in Debian's chromium, end to end through the Stripe stand-in and the real
worker: a reader becomes a patron (history from Stripe's events), a round opens and the
worker sends the invitation; the patron opens the link from the staff outbox (not signed
in), votes, changes the vote; the round closes on the worker; an editor publishes; the
results page shows the chart."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from members.models import OutboundEmail
from support.models import Ballot, Round
from support.voting import rounds
from support.voting.tasks import rounds_tick
from support.voting.topics import topic_propose
from tests.billing.money_path import become_patron
from tests.browser import screenshot
from tests.members.factories import PASSWORD, UserFactory
from tests.utils import wait_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.stripe,
    pytest.mark.django_db(transaction=True),
]


def log_in(page: object, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")  # type: ignore[attr-defined]
    page.locator("#id_login").fill(email)  # type: ignore[attr-defined]
    page.get_by_label("Password", exact=True).fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Log in").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def test_a_patron_votes_from_the_invitation_changes_the_vote_and_sees_the_results(
    live_server: object, stripe_stand_in: object, browser_page: object, chromium: object
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    _client, patron, _session = become_patron(stripe_stand_in)  # through the stand-in
    editor = UserFactory(email="editor@example.org", roles=["editor", "staff"])
    now = timezone.now()
    rnd = rounds.round_create(
        fields={
            "title": "What should we investigate next?", "slug": "next",
            "question": "Pick the story you want our reporters on.", "description": "",
            "opens_at": now - timedelta(minutes=1), "closes_at": now + timedelta(days=3),
            "method": "single", "max_choices": 1, "min_patron_days": 0,
        }
    )  # fmt: skip
    for title in ("Harbour warehouses", "Night buses", "Student rents"):
        topic_propose(rnd=rnd, title=title, editor=editor)
    rounds.round_schedule(rnd=rnd)
    rounds_tick.delay()  # what beat does, on the real worker: it opens the round
    invitation = wait_for(
        lambda: OutboundEmail.objects.filter(kind="vote_invitation", status="sent").first(),
        timeout=60,
    )
    assert invitation.to == patron.email

    # The editor reads the invitation in the staff outbox.
    staff = browser_page
    log_in(staff, base, editor.email)
    staff.goto(f"{base}/staff/outbox/?kind=vote_invitation")  # type: ignore[attr-defined]
    staff.get_by_role("link", name=f"Your vote: {rnd.title}").click()  # type: ignore[attr-defined]
    text = staff.locator("pre.email-text").inner_text()  # type: ignore[attr-defined]
    path = re.search(r"https?://[^/\s]+(/vote/next/ballot/\S+/)", text).group(1)
    # The worker wrote the link with its own SITE_URL; the live test server has another port.
    link = base + path

    # The patron opens it in a browser of their own, signed in to nothing.
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto(link)
        assert "Cast my vote" in page.locator("main").inner_text()
        assert page.get_by_role("link", name="Log in").count() == 1  # nobody signed in
        screenshot(page, "voting-ballot")
        page.get_by_label("Night buses").check()
        page.get_by_role("button", name="Cast my vote").click()
        page.wait_for_load_state()
        main = page.locator("main").inner_text()
        assert "Your vote is saved" in main
        assert "You have voted" in main
        assert Ballot.objects.get(user=patron).choices == [rnd.topics.get(title="Night buses").pk]
        page.get_by_label("Harbour warehouses").check()
        page.get_by_role("button", name="Change my vote").click()
        page.wait_for_load_state()
        ballot = Ballot.objects.get(user=patron)
        assert ballot.choices == [rnd.topics.get(title="Harbour warehouses").pk]
        assert ballot.changes == 1
        screenshot(page, "voting-ballot-changed")

        # Time is up (as if three days passed); the worker's tick closes the round.
        Round.objects.filter(pk=rnd.pk).update(closes_at=timezone.now())
        rounds_tick.delay()
        wait_for(lambda: Round.objects.get(pk=rnd.pk).status == "closed", timeout=60)
        page.reload()
        assert "This vote has closed" in page.locator("main").inner_text()

        # The editor publishes the results from the round's staff page.
        staff.goto(f"{base}/staff/rounds/{rnd.pk}/")  # type: ignore[attr-defined]
        screenshot(staff, "voting-staff-round")
        staff.get_by_role("button", name="Publish the results").click()  # type: ignore[attr-defined]
        staff.wait_for_load_state()  # type: ignore[attr-defined]

        page.goto(f"{base}/vote/next/results/")
        chart = page.locator("svg.chart__svg")
        assert chart.is_visible()
        assert chart.locator("rect.chart__bar").count() == 3
        assert chart.locator("rect.chart__bar--winner").count() == 1
        main = page.locator("main").inner_text()
        assert "Most wanted: Harbour warehouses" in main
        assert "100%" in main
        screenshot(page, "voting-results")
    finally:
        context.close()
