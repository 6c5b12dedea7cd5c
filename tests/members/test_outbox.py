"""The staff outbox, and the account mail nobody may read.

Account mail carries sign-in codes and links that sign in, confirm an address or reset a
password. With EMAIL_REVEAL_SECRETS off (production) it is stored hidden: not in the ledger
row, the outbox or the admin, for staff, finance or a superuser; only the reader's mailbox
gets it. With the switch on (the local file backend of `make run`, and these tests' default)
the outbox shows it, which is how a newcomer reads their code.
"""

from __future__ import annotations

import importlib
import json
import re

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from members.mail import hidden
from members.mail.services import email_enqueue, email_send
from members.models import OutboundEmail, User
from tests.config.test_settings import PRODUCTION_ENV, start_django
from tests.members.factories import UserFactory
from tests.utils import mailbox, text_of, wait_for

pytestmark = pytest.mark.django_db


def code_in(body: str) -> str:
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", body, re.MULTILINE)
    assert match, body
    return match.group(1)


def request_code(client: Client, email: str) -> OutboundEmail:
    response = client.post(reverse("account_request_login_code"), {"email": email})
    assert response.status_code == 302
    return OutboundEmail.objects.get(kind="account", to=email)


def stored(row: OutboundEmail) -> str:
    """Every column of the ledger row as the database holds it."""
    return json.dumps(OutboundEmail.objects.filter(pk=row.pk).values().get(), default=str)


def logged_in(*roles: str, **fields: object) -> Client:
    client = Client()
    client.force_login(UserFactory(roles=list(roles), **fields))
    return client


def outbox_detail(client: Client, row: OutboundEmail) -> str:
    page = client.get(reverse("members:outbox_detail", args=[row.pk]))
    assert page.status_code == 200
    return page.content.decode()


def test_staff_role_sees_the_outbox_and_a_message(client: Client) -> None:
    staff = UserFactory(roles=["staff"])
    row = email_enqueue(
        key="t:1", kind="news", to="a@example.org", subject="Our week", body_text="Hello 123456"
    )
    client.force_login(staff)
    listing = client.get(reverse("members:outbox"))
    assert listing.status_code == 200
    assert b"a@example.org" in listing.content
    detail = client.get(reverse("members:outbox_detail", args=[row.pk]))
    assert detail.status_code == 200
    assert b"Hello 123456" in detail.content


def test_in_production_nobody_reads_a_login_code(settings: object, client: Client) -> None:
    settings.EMAIL_REVEAL_SECRETS = False  # type: ignore[attr-defined]
    reader = UserFactory(email="coder@example.org")
    row = request_code(client, "coder@example.org")
    # The code exists only in what waits for the worker, and it is the real one.
    code = code_in(hidden.hidden_content_get(row)[0])

    assert row.is_hidden
    assert (row.body_text, row.body_html) == ("", "")
    assert code not in stored(row)
    assert (row.to, row.subject, row.status) == (
        "coder@example.org",
        "Your login code for The Harbour Ledger",
        "pending",
    )

    for role in ("staff", "finance"):
        viewer = logged_in(role)
        listing = viewer.get(reverse("members:outbox")).content.decode()
        assert "coder@example.org" in listing
        assert "(hidden)" in listing
        detail = outbox_detail(viewer, row)
        assert "This message is hidden" in detail
        assert "Your login code for The Harbour Ledger" in detail
        assert code not in detail

    # Not the admin either, not even for a superuser.
    root = Client()
    root.force_login(User.objects.create_superuser("root@example.org", "x" * 20))
    page = root.get(f"/admin/members/outboundemail/{row.pk}/change/")
    assert page.status_code == 200
    assert "Hidden: it carried a sign-in code" in page.content.decode()
    assert code not in page.content.decode()

    # The reader, who got the email, signs in with it.
    done = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert done.status_code == 302
    assert client.session[SESSION_KEY] == str(reader.pk)


def test_in_production_a_password_reset_link_is_hidden(settings: object, client: Client) -> None:
    settings.EMAIL_REVEAL_SECRETS = False  # type: ignore[attr-defined]
    UserFactory(email="forgetful@example.org")
    client.post(reverse("account_reset_password"), {"email": "forgetful@example.org"})
    row = OutboundEmail.objects.get(kind="account", to="forgetful@example.org")
    link = re.search(r"https?://\S+/password/reset/key/(\S+)/", hidden.hidden_content_get(row)[0])
    assert link, "the reset email carries a reset link"
    assert link.group(1) not in stored(row)
    assert link.group(1) not in outbox_detail(logged_in("staff"), row)


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_the_worker_sends_the_hidden_code_and_keeps_nothing(
    settings: object, celery_worker: object
) -> None:
    settings.EMAIL_REVEAL_SECRETS = False  # type: ignore[attr-defined]
    UserFactory(email="coder@example.org")
    row = request_code(Client(), "coder@example.org")
    # (The worker may have sent it already: the code is read from the mailbox.)
    sent = wait_for(lambda: OutboundEmail.objects.filter(pk=row.pk, status="sent").first())
    [message] = mailbox()
    assert message["To"] == "coder@example.org"
    code = code_in(text_of(message))
    assert sent.is_hidden
    assert code not in stored(sent)
    with pytest.raises(hidden.HiddenContentGone):  # nothing kept once sent
        hidden.hidden_content_get(sent)


def test_hidden_content_gone_fails_the_row_and_sends_nothing(
    settings: object, mailoutbox: list
) -> None:
    """In this process Django's test mail backend collects what is sent (`mailoutbox`)."""
    settings.EMAIL_REVEAL_SECRETS = False  # type: ignore[attr-defined]
    row = email_enqueue(
        key="account:login_code:x", kind="account", to="a@example.org", subject="Your code",
        body_text="ABCD-EFGH",
    )  # fmt: skip
    hidden.hidden_content_forget(row)  # as if it expired, or Redis lost it
    assert email_send(email_id=row.pk) is False
    row.refresh_from_db()
    assert row.status == "failed"
    assert "not sent" in row.last_error
    assert mailoutbox == []


def test_a_row_stored_readable_is_hidden_once_sent_by_a_production_sender(
    settings: object, mailoutbox: list
) -> None:
    row = email_enqueue(
        key="account:login_code:y", kind="account", to="a@example.org", subject="Your code",
        body_text="ABCD-EFGH",
    )  # fmt: skip
    assert row.body_text == "ABCD-EFGH"  # written while the switch was on
    settings.EMAIL_REVEAL_SECRETS = False  # type: ignore[attr-defined]
    assert email_send(email_id=row.pk) is True
    assert "ABCD-EFGH" in mailoutbox[0].body
    row.refresh_from_db()
    assert row.is_hidden
    assert "ABCD-EFGH" not in stored(row)


def test_with_the_local_file_backend_the_outbox_shows_the_code(client: Client) -> None:
    """`make run` (and these tests) keep EMAIL_REVEAL_SECRETS on: a newcomer's only inbox is
    the outbox."""
    UserFactory(email="newcomer@example.org")
    row = request_code(client, "newcomer@example.org")
    assert not row.is_hidden
    code = code_in(row.body_text)
    assert code in outbox_detail(logged_in("staff"), row)


def test_the_migration_hides_account_mail_already_sent() -> None:
    sent = email_enqueue(key="a:1", kind="account", to="a@example.org", body_text="ABCD-EFGH")
    waiting = email_enqueue(key="a:2", kind="account", to="a@example.org", body_text="WXYZ-1234")
    news = email_enqueue(key="n:1", kind="news", to="a@example.org", body_text="Hello")
    OutboundEmail.objects.filter(pk__in=[sent.pk, news.pk]).update(status="sent")
    migration = importlib.import_module("members.migrations.0003_hide_account_mail")
    migration.hide_sent_account_mail(apps, None)
    for row in (sent, waiting, news):
        row.refresh_from_db()
    assert (sent.is_hidden, sent.body_text) == (True, "")
    assert waiting.body_text == "WXYZ-1234"  # the worker still has to send it
    assert news.body_text == "Hello"


def test_the_deploy_check_refuses_the_switch_with_a_real_mail_backend() -> None:
    done = start_django({**PRODUCTION_ENV, "EMAIL_REVEAL_SECRETS": "true"}, "check", "--deploy")
    assert done.returncode != 0
    assert "members.E001" in done.stderr
    assert start_django(PRODUCTION_ENV, "check", "--deploy").returncode == 0


def test_readers_and_bare_is_staff_are_refused(client: Client) -> None:
    # is_staff alone is not a permission: pages check the role's permission.
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("members:outbox")).status_code == 403
    client.force_login(UserFactory())
    assert client.get(reverse("members:outbox")).status_code == 403


def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get(reverse("members:outbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
