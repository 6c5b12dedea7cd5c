"""A reader walks the money path in Debian's chromium: sign up, confirm the address, pick a
tier, pay on the Stripe stand-in's hosted page (a declined card first), come back as a
patron, and get exactly one receipt from the real worker."""

from __future__ import annotations

import re

import pytest

from billing.models import Membership, Payment
from tests.billing.money_path import drain
from tests.browser import screenshot
from tests.members.flows import confirm_email_from_mailbox, fill_sign_up
from tests.utils import mailbox

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.stripe,
    pytest.mark.django_db(transaction=True),
]

EMAIL = "patron.in.browser@example.org"
PASSWORD = "a-long-and-unusual-passphrase-43"


def test_sign_up_pay_on_the_hosted_page_and_become_a_patron(
    live_server: object, stripe_stand_in: object, browser_page: object
) -> None:
    page = browser_page
    base = live_server.url  # type: ignore[attr-defined]

    fill_sign_up(page, base, EMAIL, PASSWORD)
    page.get_by_role("button", name="Create account").click()  # type: ignore[attr-defined]
    confirm_email_from_mailbox(page, EMAIL)

    # The support page: tiers side by side; the annual toggle shows the saving.
    page.goto(f"{base}/support/")  # type: ignore[attr-defined]
    # With JavaScript the choices apply at once; the "Show prices" button is for without.
    assert page.get_by_role("button", name="Show prices").is_hidden()  # type: ignore[attr-defined]
    screenshot(page, "billing-support")
    page.get_by_label("Annual").check()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"interval=year"))  # type: ignore[attr-defined]
    assert "Save 17% compared with monthly" in page.content()  # type: ignore[attr-defined]
    page.get_by_label("Monthly").check()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"interval=month"))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Pay €5 a month").click()  # type: ignore[attr-defined]

    # Stripe's hosted page (the stand-in's): no card field was ever on our pages.
    page.wait_for_url(re.compile(re.escape(stripe_stand_in.base_url)))  # type: ignore[attr-defined]
    assert page.locator("#email").input_value() == EMAIL  # type: ignore[attr-defined]
    assert "The Harbour Ledger" in page.locator(".brand").inner_text()  # type: ignore[attr-defined]
    page.locator("#card_number").fill("4000 0000 0000 0002")  # type: ignore[attr-defined]
    page.locator("#expiry").fill("12 / 34")  # type: ignore[attr-defined]
    page.locator("#cvc").fill("123")  # type: ignore[attr-defined]
    page.locator("#name").fill("Patron In Browser")  # type: ignore[attr-defined]
    screenshot(page, "billing-hosted-checkout")
    page.locator("#submit").click()  # type: ignore[attr-defined]
    assert "declined" in page.locator("#form-error").inner_text().lower()  # type: ignore[attr-defined]
    screenshot(page, "billing-hosted-checkout-declined")
    assert Membership.objects.count() == 0

    page.locator("#card_number").fill("4242 4242 4242 4242")  # type: ignore[attr-defined]
    page.locator("#expiry").fill("12 / 34")  # type: ignore[attr-defined]
    page.locator("#cvc").fill("123")  # type: ignore[attr-defined]
    page.locator("#submit").click()  # type: ignore[attr-defined]

    # Back on the site: the thank-you page knows the membership at once.
    page.wait_for_url(re.compile(re.escape(base) + r"/support/thanks/"))  # type: ignore[attr-defined]
    assert "You are now a Reader patron." in page.locator("main").inner_text()  # type: ignore[attr-defined]
    screenshot(page, "billing-thanks")

    drain(stripe_stand_in)
    membership = Membership.objects.get()
    assert (membership.user.email, membership.status, membership.amount) == (EMAIL, "active", 500)
    receipts = [m for m in mailbox() if m["Subject"].startswith("Your receipt")]
    assert [m["To"] for m in receipts] == [EMAIL]

    page.goto(f"{base}/account/support/")  # type: ignore[attr-defined]
    main = page.locator("main").inner_text()  # type: ignore[attr-defined]
    assert "€5 a month" in main
    assert "Reader" in main
    screenshot(page, "billing-my-support")
    payment = Payment.objects.get()
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.get_by_role("link", name=re.compile("^PDF")).click()  # type: ignore[attr-defined]
    assert download.value.suggested_filename == f"receipt-{payment.pk}.pdf"

    # Cancel in Stripe's billing portal; the webhook tells the site; My support says so.
    page.get_by_role("button", name="Payment details and invoices").click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(re.escape(stripe_stand_in.base_url)))  # type: ignore[attr-defined]
    screenshot(page, "billing-portal")
    page.get_by_role("button", name="Cancel at end of period").click()  # type: ignore[attr-defined]
    page.locator("#return-link").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/account/support/")  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    membership.refresh_from_db()
    assert membership.cancel_at_period_end is True
    page.reload()  # type: ignore[attr-defined]
    assert "Ends on" in page.locator("main").inner_text()  # type: ignore[attr-defined]
