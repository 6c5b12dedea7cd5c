"""Sign-up, verification, login (password and emailed code), logout, password change and
reset, through allauth as configured and styled by us. Account mail goes through the ledger:
these tests read it from OutboundEmail rows (the worker is not needed to prove the flows)."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from members.models import OutboundEmail, User
from members.services import user_get_or_create_for_email
from tests.members.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"


def account_mail(to: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(kind="account", to=to).order_by("created_at", "id"))


def link_in(body: str) -> str:
    match = re.search(r"https?://[^\s]+", body)
    assert match, body
    return match.group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def code_in(body: str) -> str:
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", body, re.MULTILINE)
    assert match, body
    return match.group(1)


def without_csrf(html: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.decode())


def sign_up(client: Client, email: str, password: str = NEW_PASSWORD):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": password, "password2": password},
    )


# --- Sign-up and verification --------------------------------------------------------


def test_sign_up_sends_a_verification_link_that_verifies_and_logs_in(client: Client) -> None:
    response = sign_up(client, "New.Reader@Example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")

    user = User.objects.get()
    assert user.email == "new.reader@example.org"
    assert user.check_password(NEW_PASSWORD)
    assert list(EmailAddress.objects.values_list("email", "verified", "primary")) == [
        ("new.reader@example.org", False, True)
    ]
    # Mandatory verification: no session yet.
    assert SESSION_KEY not in client.session

    [mail] = account_mail("new.reader@example.org")
    assert mail.user == user
    assert mail.status == OutboundEmail.Status.PENDING
    confirm = path_of(link_in(mail.body_text))
    assert confirm.startswith("/accounts/confirm-email/")

    # GET only shows a button: link scanners that follow links confirm nothing.
    page = client.get(confirm)
    assert page.status_code == 200
    assert b"Confirm my email address" in page.content
    assert EmailAddress.objects.get().verified is False

    done = client.post(confirm)
    assert done.status_code == 302
    assert EmailAddress.objects.get().verified is True
    assert client.session[SESSION_KEY] == str(user.pk)


def test_sign_up_page_is_our_styled_form(client: Client) -> None:
    page = client.get(reverse("account_signup")).content.decode()
    assert 'href="/static/css/site.css"' in page  # inside our base layout
    assert '<label for="id_email">' in page
    assert 'placeholder="' not in page  # labels, not placeholders
    assert 'aria-describedby="id_password1-hint"' in page
    assert "Create account</button>" in page


def test_sign_up_with_a_taken_email_looks_the_same_and_tells_the_owner(client: Client) -> None:
    owner = UserFactory(email="owner@example.org")
    fresh_client = Client()
    fresh = sign_up(fresh_client, "someone-new@example.org")
    taken = sign_up(client, "OWNER@example.org")

    # Same redirect, same page: the response does not reveal that the address has an account.
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"] == reverse("account_email_verification_sent")
    # Identical but for the address each person typed, which the page echoes back.
    page_taken = without_csrf(client.get(taken["Location"]).content).replace(
        "owner@example.org", "ADDRESS"
    )
    page_fresh = without_csrf(fresh_client.get(fresh["Location"]).content).replace(
        "someone-new@example.org", "ADDRESS"
    )
    assert "Check your email" in page_taken
    assert page_taken == page_fresh

    assert User.objects.filter(email__iexact="owner@example.org").count() == 1
    [warning] = account_mail("owner@example.org")
    assert warning.user == owner
    assert (
        warning.subject == "Someone tried to sign up for The Harbour Ledger with your email address"
    )
    assert "already have an account" in warning.body_text
    assert "/accounts/password/reset/" in warning.body_text


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pw-1", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("123456789012345", "This password is entirely numeric."),
    ],
)
def test_sign_up_refuses_weak_passwords(client: Client, password: str, message: str) -> None:
    response = sign_up(client, "weak@example.org", password)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html.replace("&#x27;", "'")
    # GOV.UK pattern: a summary at the top linking to the field, and the error by the field.
    assert 'class="error-summary"' in html
    assert 'href="#id_password1"' in html
    assert 'id="id_password1-error"' in html
    assert User.objects.count() == 0
    assert OutboundEmail.objects.count() == 0


def test_sign_up_is_rate_limited(client: Client, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}
    statuses = [sign_up(client, f"burst{n}@example.org").status_code for n in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert User.objects.count() == 3
    assert b"Too many attempts" in sign_up(client, "late@example.org").content


# --- Password login, logout ------------------------------------------------------------


def test_password_login_rotates_the_session_key_and_logout_ends_it(client: Client) -> None:
    user = UserFactory(email="reader@example.org")
    client.get(reverse("account_login"))
    session = client.session
    session["probe"] = 1
    session.save()
    before = client.session.session_key
    assert before

    response = client.post(
        reverse("account_login"), {"login": "Reader@Example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
    # A new key on login: a session id planted before login (fixation) is worthless after.
    assert client.session.session_key != before

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_wrong_password_gives_a_message_that_does_not_say_which_part_was_wrong(
    client: Client,
) -> None:
    UserFactory(email="reader@example.org")
    wrong = client.post(
        reverse("account_login"), {"login": "reader@example.org", "password": "x" * 14}
    )
    unknown = client.post(
        reverse("account_login"), {"login": "nobody@example.org", "password": "x" * 14}
    )
    assert wrong.status_code == unknown.status_code == 200
    message = b"The email address and/or password you specified are not correct."
    assert message in wrong.content
    assert message in unknown.content
    assert SESSION_KEY not in client.session


def test_too_many_failed_logins_lock_the_address_for_a_while(client: Client) -> None:
    UserFactory(email="target@example.org")
    for _ in range(5):  # login_failed: 5 per 5 minutes per address
        response = client.post(
            reverse("account_login"), {"login": "target@example.org", "password": "wrong" * 3}
        )
        assert b"are not correct" in response.content
    # Soft lockout: now even the right password is refused, with a clear message.
    response = client.post(
        reverse("account_login"), {"login": "target@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert b"Too many failed login attempts. Try again later." in response.content
    assert SESSION_KEY not in client.session
    # Another address from the same place is not locked.
    UserFactory(email="other@example.org")
    ok = client.post(reverse("account_login"), {"login": "other@example.org", "password": PASSWORD})
    assert ok.status_code == 302


def test_login_switches_to_the_members_language(client: Client) -> None:
    UserFactory(email="olena@example.org", preferred_language="uk")
    response = client.post(
        reverse("account_login"), {"login": "olena@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "uk"
    page = client.get(reverse("members:profile"))
    assert page.content.decode().count('lang="uk"') >= 1
    assert "Профіль" in page.content.decode()


# --- Login by emailed code ----------------------------------------------------------------


def request_code(client: Client, email: str):
    return client.post(reverse("account_request_login_code"), {"email": email})


def test_login_by_code(client: Client) -> None:
    user = UserFactory(email="coder@example.org")
    response = request_code(client, "Coder@Example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_confirm_login_code")
    [mail] = account_mail("coder@example.org")
    assert mail.subject == "Your login code for The Harbour Ledger"
    code = code_in(mail.body_text)

    page = client.get(response["Location"])
    assert b'autocomplete="one-time-code"' in page.content
    done = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert done.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_a_code_is_single_use(client: Client) -> None:
    UserFactory(email="coder@example.org")
    request_code(client, "coder@example.org")
    code = code_in(account_mail("coder@example.org")[0].body_text)
    client.post(reverse("account_confirm_login_code"), {"code": code})
    client.post(reverse("account_logout"))

    again = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert again.status_code == 302
    assert again["Location"] == reverse("account_request_login_code")
    assert SESSION_KEY not in client.session


def test_a_wrong_code_is_refused_and_three_wrong_codes_end_the_attempt(client: Client) -> None:
    UserFactory(email="coder@example.org")
    request_code(client, "coder@example.org")
    code = code_in(account_mail("coder@example.org")[0].body_text)
    wrong = "ZZZZ-ZZZZ" if code != "ZZZZ-ZZZZ" else "YYYY-YYYY"

    first = client.post(reverse("account_confirm_login_code"), {"code": wrong})
    assert first.status_code == 200
    assert b"Incorrect code." in first.content
    assert b'href="#id_code"' in first.content
    client.post(reverse("account_confirm_login_code"), {"code": wrong})
    third = client.post(reverse("account_confirm_login_code"), {"code": wrong})
    # ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3: the pending login is dropped.
    assert third.status_code == 302
    assert third["Location"] == reverse("account_request_login_code")

    # Even the right code no longer works; a new one must be requested.
    late = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert late.status_code == 302
    assert SESSION_KEY not in client.session


def test_an_expired_code_is_refused(client: Client) -> None:
    UserFactory(email="coder@example.org")
    request_code(client, "coder@example.org")
    code = code_in(account_mail("coder@example.org")[0].body_text)

    # Let the code age past ACCOUNT_LOGIN_BY_CODE_TIMEOUT (600 s), as the clock would.
    session = client.session
    stash = session["account_login"]
    stash["state"]["stages"]["login_by_code"]["data"]["at"] -= 601
    session["account_login"] = stash
    session.save()

    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_request_login_code")
    assert SESSION_KEY not in client.session


def test_code_requests_for_unknown_addresses_look_the_same(client: Client) -> None:
    UserFactory(email="coder@example.org")
    known = request_code(Client(), "coder@example.org")
    unknown = request_code(client, "stranger@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # The stranger's inbox gets "no account here", not a code.
    [mail] = account_mail("stranger@example.org")
    assert mail.user is None
    assert not re.search(r"^\s*[A-Z0-9]{4}-[A-Z0-9]{4}\s*$", mail.body_text, re.MULTILINE)


def test_code_requests_are_rate_limited_per_address(client: Client) -> None:
    UserFactory(email="coder@example.org")
    statuses = []
    for _ in range(4):  # request_login_code: 3 per minute per address
        response = Client().post(
            reverse("account_request_login_code"), {"email": "coder@example.org"}
        )
        statuses.append(response.status_code)
    assert statuses == [302, 302, 302, 200]
    assert len(account_mail("coder@example.org")) == 3


# --- Password change and reset --------------------------------------------------------------


def test_password_change(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    bad = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not-my-password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert bad.status_code == 200
    assert b"Please type your current password." in bad.content

    ok = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert ok.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.session[SESSION_KEY] == str(user.pk)  # still logged in here


def test_password_reset_by_link(client: Client) -> None:
    user = UserFactory(email="forgetful@example.org")
    response = client.post(reverse("account_reset_password"), {"email": "Forgetful@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")

    [mail] = account_mail("forgetful@example.org")
    link = path_of(link_in(mail.body_text))
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    action = form_page.redirect_chain[-1][0]
    done = client.post(action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # The link works once.
    reused = client.get(link, follow=True)
    assert b"This link no longer works" in reused.content


def test_password_reset_for_an_unknown_address_looks_the_same(client: Client) -> None:
    UserFactory(email="known@example.org")
    known = Client().post(reverse("account_reset_password"), {"email": "known@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


# --- Accounts that billing created after a payment ------------------------------------------


def test_an_account_made_at_checkout_logs_in_by_code_which_verifies_the_address(
    client: Client,
) -> None:
    user, _ = user_get_or_create_for_email(email="Patron@Example.org", display_name="Pat")
    request_code(client, "patron@example.org")
    code = code_in(account_mail("patron@example.org")[0].body_text)
    done = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert done.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
    # Receiving the code proved the mailbox: the address is now verified.
    assert list(EmailAddress.objects.values_list("email", "verified")) == [
        ("patron@example.org", True)
    ]
    # With no password yet, the password page offers to set one.
    password_page = client.get(reverse("account_change_password"))
    assert password_page.status_code == 302
    assert password_page["Location"] == reverse("account_set_password")
    assert b"Set a password" in client.get(reverse("account_set_password")).content


def test_an_account_made_at_checkout_can_reset_a_password(client: Client) -> None:
    user, _ = user_get_or_create_for_email(email="patron@example.org")
    client.post(reverse("account_reset_password"), {"email": "patron@example.org"})
    [mail] = account_mail("patron@example.org")
    assert mail.user == user
    assert "/accounts/password/reset/key/" in mail.body_text


# --- allauth pages we did not rewrite still render inside our layout ---------------------


@pytest.mark.parametrize(
    ("url_name", "logged_in"),
    [
        ("account_inactive", False),
        ("account_email_verification_sent", False),
        ("account_reauthenticate", True),
        ("account_email", True),
        ("account_change_password", True),
        ("account_logout", True),
    ],
)
def test_account_pages_render_in_our_layout(client: Client, url_name: str, logged_in: bool) -> None:
    if logged_in:
        client.force_login(UserFactory())
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert 'class="language-switcher"' in html
    assert "<h1>" in html
