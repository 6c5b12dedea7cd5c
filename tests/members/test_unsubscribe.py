"""Bulk email (the "news" kind) carries List-Unsubscribe headers and a signed link that
works without logging in; the link's page, the RFC 8058 one-click POST, and forgeries."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from members.mail.services import email_enqueue, render
from members.models import OutboundEmail, User
from members.news import news_send
from members.unsubscribe import make_token
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def flags(user: User) -> tuple[bool, bool, bool]:
    user.refresh_from_db()
    return (user.email_vote_invitations, user.email_reminders, user.email_news)


def test_news_goes_to_members_who_want_it_and_is_recorded_as_skipped_for_others() -> None:
    wants = UserFactory(email="wants@example.org", display_name="Ana")
    declined = UserFactory(email="declined@example.org", email_news=False)
    UserFactory(email="gone@example.org", is_active=False)

    counts = news_send(issue="2026-11", subject="What you helped us find", body="The story.")
    again = news_send(issue="2026-11", subject="What you helped us find", body="The story.")

    assert counts == {"pending": 1, "skipped": 1}
    assert again == counts  # the same rows, nothing new
    rows = {(r.to, r.status) for r in OutboundEmail.objects.filter(kind="news")}
    assert rows == {("wants@example.org", "pending"), ("declined@example.org", "skipped")}
    assert OutboundEmail.objects.get(to="declined@example.org").user == declined

    message = render(OutboundEmail.objects.get(user=wants))
    assert message.subject == "What you helped us find"
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://127.0.0.1:8000/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body
    assert "Dear Ana," in message.body
    assert message.alternatives[0][1] == "text/html"
    assert f'href="{link}"' in message.alternatives[0][0]


def test_account_mail_has_no_unsubscribe_header() -> None:
    user = UserFactory()
    row = email_enqueue(key="k", kind="account", to=user.email, user=user, subject="Code")
    assert "List-Unsubscribe" not in render(row).extra_headers


def test_the_link_asks_first_then_unsubscribes_without_a_login() -> None:
    user = UserFactory()
    url = reverse("members:unsubscribe", args=[make_token(user, "email_news")])
    browser = Client(enforce_csrf_checks=True)  # no session, no CSRF cookie

    page = browser.get(url)
    assert page.status_code == 200
    assert b"Stop news from the newsroom?" in page.content
    assert f'action="{url}"'.encode() in page.content
    assert flags(user) == (True, True, True)  # a GET (or a link scanner) changes nothing

    done = browser.post(url)
    assert done.status_code == 200
    assert b"You are unsubscribed" in done.content
    assert flags(user) == (True, True, False)  # only the one preference


def test_rfc8058_one_click_post_from_a_mail_provider() -> None:
    user = UserFactory()
    # Rendered exactly as the email carries it.
    row = email_enqueue(
        key="news:1", kind="news", to=user.email, user=user, context={"subject": "S", "body": "B"}
    )
    link = render(row).extra_headers["List-Unsubscribe"].strip("<>")
    path = re.sub(r"^https?://[^/]+", "", link)

    provider = Client(enforce_csrf_checks=True)
    response = provider.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert flags(user) == (True, True, False)
    # Idempotent: providers retry.
    retry = provider.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert retry.status_code == 200


def test_vote_invitation_links_switch_off_only_vote_invitations() -> None:
    user = UserFactory()
    Client().post(reverse("members:unsubscribe", args=[make_token(user, "email_vote_invitations")]))
    assert flags(user) == (False, True, True)


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # tampered
        lambda token: signing.dumps({"u": 1, "p": "email_news"}),  # wrong salt
        lambda token: signing.dumps({"u": 1, "p": "is_staff"}, salt="members.unsubscribe"),
        lambda token: "not-a-token",
    ],
    ids=["tampered", "other-salt", "not-a-preference", "garbage"],
)
def test_forged_links_change_nothing(forge) -> None:
    user = UserFactory()
    url = reverse("members:unsubscribe", args=[forge(make_token(user, "email_news"))])
    for method in ("get", "post"):
        response = getattr(Client(), method)(url)
        assert response.status_code == 400
        assert b"This unsubscribe link does not work" in response.content
        assert b"we changed nothing" in response.content
    assert flags(user) == (True, True, True)
    assert User.objects.get(pk=user.pk).is_staff is False
