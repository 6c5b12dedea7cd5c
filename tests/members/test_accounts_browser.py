"""A reader signs up, confirms their address from the email the real Celery worker sent,
logs out, and logs back in with a one-time code — in Debian's chromium, without JavaScript
doing any of the work. Screenshots of each key page land in var/screenshots/."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress

from members.models import User
from tests.browser import screenshot
from tests.members.flows import confirm_email_from_mailbox, fill_sign_up, mail_to
from tests.utils import mailbox, text_of

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

EMAIL = "browser.reader@example.org"
PASSWORD = "a-long-and-unusual-passphrase-42"


def test_sign_up_verify_log_out_and_log_in_with_a_code(
    live_server: object, celery_worker: object, browser_page: object
) -> None:
    page = browser_page
    base = live_server.url  # type: ignore[attr-defined]

    # Sign up: our layout and the GOV.UK-style form; a weak password first.
    fill_sign_up(page, base, EMAIL, "short")
    assert page.locator("h1").inner_text() == "Create an account"  # type: ignore[attr-defined]
    page.get_by_role("button", name="Create account").click()  # type: ignore[attr-defined]
    summary = page.locator(".error-summary")  # type: ignore[attr-defined]
    assert "There is a problem" in summary.inner_text()
    assert "too short" in summary.inner_text()
    screenshot(page, "members-signup-error")
    page.locator("#id_password1").fill(PASSWORD)  # type: ignore[attr-defined]
    page.locator("#id_password2").fill(PASSWORD)  # type: ignore[attr-defined]
    screenshot(page, "members-signup")
    page.get_by_role("button", name="Create account").click()  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == "Check your email"  # type: ignore[attr-defined]
    screenshot(page, "members-check-email")

    # The worker sends the verification email; its link confirms the address.
    confirm_email_from_mailbox(page, EMAIL)
    assert EmailAddress.objects.get(email=EMAIL).verified is True

    # Logged in (same browser that signed up): the account pages.
    page.goto(f"{base}/account/")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == "Profile"  # type: ignore[attr-defined]
    page.get_by_label("Your name").fill("Browser Reader")  # type: ignore[attr-defined]
    page.locator("#id_country").select_option("UA")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Save my profile").click()  # type: ignore[attr-defined]
    assert "Your profile is saved." in page.locator(".messages").inner_text()  # type: ignore[attr-defined]
    screenshot(page, "members-profile")
    user = User.objects.get(email=EMAIL)
    assert (user.display_name, user.country.code) == ("Browser Reader", "UA")

    page.goto(f"{base}/account/preferences/")  # type: ignore[attr-defined]
    page.get_by_label("News from the newsroom").uncheck()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Save my email preferences").click()  # type: ignore[attr-defined]
    screenshot(page, "members-preferences")
    user.refresh_from_db()
    assert (user.email_vote_invitations, user.email_reminders, user.email_news) == (
        True,
        True,
        False,
    )

    # Log out from the header.
    page.get_by_role("button", name="Log out").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert page.get_by_role("link", name="Log in").count() == 1  # type: ignore[attr-defined]

    # Log in with an emailed code.
    page.goto(f"{base}/accounts/login/")  # type: ignore[attr-defined]
    screenshot(page, "members-login")
    page.get_by_role("link", name="Email me a login code").click()  # type: ignore[attr-defined]
    page.get_by_label("Email").fill(EMAIL.upper())  # type: ignore[attr-defined]
    page.get_by_role("button", name="Email me a code").click()  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == "Check your email for a code"  # type: ignore[attr-defined]

    code_mail = mail_to(EMAIL, 2)
    assert code_mail["Subject"] == "Your login code for The Harbour Ledger"
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", text_of(code_mail), re.M).group(1)
    page.get_by_label("Code").fill(code)  # type: ignore[attr-defined]
    screenshot(page, "members-code-entry")
    page.get_by_role("button", name="Log in").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert page.get_by_role("link", name="Your account").count() == 1  # type: ignore[attr-defined]

    # The staff-free reader sees their account area; the ledger shows both emails sent.
    assert [m["Subject"] for m in mailbox() if m["To"] == EMAIL][1] == code_mail["Subject"]
