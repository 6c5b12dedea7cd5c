"""Paths a person walks in the browser, shared by the browser tests of several apps."""

from __future__ import annotations

import re

from tests.utils import mailbox, text_of, wait_for


def mail_to(address: str, count: int) -> object:
    """The `count`-th message to `address`, waiting for the worker to send it."""
    return wait_for(
        lambda: [m for m in mailbox() if m["To"] == address][count - 1 : count], timeout=30
    )[0]


def confirm_email_from_mailbox(page: object, address: str) -> None:
    """Open the confirmation link of the first email to `address` and confirm."""
    link = re.search(r"http://\S+/accounts/confirm-email/\S+", text_of(mail_to(address, 1)))
    assert link is not None
    page.goto(link.group(0))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Confirm my email address").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def fill_sign_up(page: object, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/signup/")  # type: ignore[attr-defined]
    page.get_by_label("Email").fill(email)  # type: ignore[attr-defined]
    page.locator("#id_password1").fill(password)  # type: ignore[attr-defined]
    page.locator("#id_password2").fill(password)  # type: ignore[attr-defined]
