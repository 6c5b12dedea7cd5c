"""A patron manages their support in Debian's chromium (issue 13): changes tier after seeing
what it costs today, cancels with a reason and keeps it after all, pauses and resumes. The
Stripe stand-in, the live site and the real worker behind it."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from billing.models import Membership, MembershipChange, Payment
from billing.money import format_amount
from tests.billing.money_path import become_patron, drain
from tests.browser import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.stripe,
    pytest.mark.django_db(transaction=True),
]


def _signed_in_patron(control: object, page: object, base: str) -> Membership:
    """A Reader patron (€5 a month), signed in in the browser with the test client's session."""
    client, _member, _session = become_patron(control)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(  # type: ignore[attr-defined]
        [{"name": cookie.key, "value": cookie.value, "url": base}]
    )
    page.goto(f"{base}/account/support/")  # type: ignore[attr-defined]
    return Membership.objects.get()


def _main(page: object) -> str:
    return page.locator("main").inner_text()  # type: ignore[attr-defined]


def test_change_tier_after_seeing_the_charge(
    live_server: object, stripe_stand_in: object, browser_page: object
) -> None:
    page, base = browser_page, live_server.url  # type: ignore[attr-defined]
    membership = _signed_in_patron(stripe_stand_in, page, base)
    screenshot(page, "billing-my-support-manage")
    page.get_by_role("link", name="Change my support").click()  # type: ignore[attr-defined]
    page.get_by_label("Insider: €12 a month, €120 a year").check()  # type: ignore[attr-defined]
    screenshot(page, "billing-change")
    page.get_by_role("button", name="See what changes").click()  # type: ignore[attr-defined]

    due_text = page.locator("#amount-due").inner_text()  # type: ignore[attr-defined]
    assert re.fullmatch(r"€[0-9]+(\.[0-9]{2})?", due_text), due_text
    assert "Credit for the unused time on Reader" in _main(page)
    screenshot(page, "billing-change-review")
    page.get_by_role("button", name=f"Pay {due_text} now and switch to Insider").click()  # type: ignore[attr-defined]

    page.wait_for_url(f"{base}/account/support/")  # type: ignore[attr-defined]
    main = _main(page)
    assert f"You now support us as Insider, €12 a month. We charged {due_text}." in main
    assert "€12 a month" in main
    drain(stripe_stand_in)
    upgrade = Payment.objects.get(billing_reason="subscription_update")
    assert format_amount(upgrade.amount, "eur") == due_text
    assert MembershipChange.objects.filter(membership=membership, kind="upgraded").exists()

    # A downgrade is set for the renewal, shown, and undone.
    page.get_by_role("link", name="Change my support").click()  # type: ignore[attr-defined]
    page.get_by_label(re.compile(r"^Reader: ")).check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="See what changes").click()  # type: ignore[attr-defined]
    assert "Nothing is charged today" in _main(page)
    page.get_by_role("button", name=re.compile(r"^Switch to Reader on ")).click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/account/support/")  # type: ignore[attr-defined]
    screenshot(page, "billing-my-support-scheduled-change")
    page.get_by_role("button", name="Keep €12 a month instead").click()  # type: ignore[attr-defined]
    assert "Your support stays as it is: €12 a month." in _main(page)
    drain(stripe_stand_in)


def test_cancel_with_a_reason_and_keep_it(
    live_server: object, stripe_stand_in: object, browser_page: object
) -> None:
    page, base = browser_page, live_server.url  # type: ignore[attr-defined]
    membership = _signed_in_patron(stripe_stand_in, page, base)
    ends = f"{membership.current_period_end:%-d %B %Y}"
    page.get_by_role("link", name="Cancel my support").click()  # type: ignore[attr-defined]
    page.get_by_label("It costs too much").check()  # type: ignore[attr-defined]
    page.get_by_label("Anything you would like to tell us? (optional)").fill("Back next year.")  # type: ignore[attr-defined]
    screenshot(page, "billing-cancel")
    page.get_by_role("button", name=f"Cancel my support on {ends}").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/account/support/")  # type: ignore[attr-defined]
    assert f"Your support ends on {ends}" in _main(page)
    screenshot(page, "billing-my-support-ending")

    page.get_by_role("button", name="Keep my support").click()  # type: ignore[attr-defined]
    assert "Thank you for staying." in _main(page)
    assert "Cancel my support" in _main(page)
    drain(stripe_stand_in)
    scheduled = MembershipChange.objects.get(membership=membership, kind="cancel_scheduled")
    assert (scheduled.cancellation_feedback, scheduled.cancellation_comment) == (
        "too_expensive",
        "Back next year.",
    )
    assert MembershipChange.objects.filter(membership=membership, kind="cancel_undone").exists()


def test_pause_and_resume(
    live_server: object, stripe_stand_in: object, browser_page: object
) -> None:
    page, base = browser_page, live_server.url  # type: ignore[attr-defined]
    membership = _signed_in_patron(stripe_stand_in, page, base)
    page.get_by_role("link", name="Pause my payments").click()  # type: ignore[attr-defined]
    page.get_by_label(re.compile(r"^2 months, until ")).check()  # type: ignore[attr-defined]
    screenshot(page, "billing-pause")
    page.get_by_role("button", name="Pause my payments").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/account/support/")  # type: ignore[attr-defined]
    membership.refresh_from_db()
    assert membership.paused
    assert f"Your payments are paused until {membership.pause_resumes_at:%-d %B %Y}" in _main(page)
    screenshot(page, "billing-my-support-paused")

    page.get_by_role("button", name="Resume my payments now").click()  # type: ignore[attr-defined]
    assert "Your support and your benefits are on again." in _main(page)
    membership.refresh_from_db()
    assert not membership.paused
    drain(stripe_stand_in)
    kinds = list(
        MembershipChange.objects.filter(membership=membership)
        .order_by("occurred_at", "step", "id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["started", "paused", "resumed"]
