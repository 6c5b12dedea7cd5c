"""Download my data and delete my account (members.privacy), through the pages and the
services. The fake "billing" hooks registered here are not mocks of a service: they are
what billing will register, and they prove our registry's ordering and abort rules."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from members import privacy
from members.mail.services import email_enqueue
from members.models import OutboundEmail, User
from members.services import user_get_or_create_for_email
from tests.members.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry() -> Iterator[list[str]]:
    """Hooks a test registers live only for that test: the registry is restored afterwards
    (other apps' real hooks included). Yields a call log for the test's hooks."""
    exporters, erasers = dict(privacy._EXPORTERS), dict(privacy._ERASERS)
    calls: list[str] = []
    yield calls
    privacy._EXPORTERS.clear()
    privacy._EXPORTERS.update(exporters)
    privacy._ERASERS.clear()
    privacy._ERASERS.update(erasers)


def a_member_with_history() -> User:
    user = UserFactory(email="ana@example.org", display_name="Ana Novak", country="UA")
    EmailAddress.objects.create(user=user, email="ana.work@example.org", verified=False)
    email_enqueue(
        key="receipt:in_123",
        kind="account",
        to=user.email,
        user=user,
        subject="Your receipt",
        body_text="Dear Ana Novak, thank you for €5.",
    )
    OutboundEmail.objects.filter(key="receipt:in_123").update(status="sent")
    email_enqueue(
        key="account:pending",
        kind="account",
        to=user.email,
        user=user,
        subject="Your login code",
        body_text="ABCD-EFGH",
    )
    return user


# --- Export ---------------------------------------------------------------------------


def test_export_has_members_sections_and_registered_ones(registry: list[str]) -> None:
    user = a_member_with_history()
    privacy.register_exporter("fake_billing", lambda u: {"payments": [{"amount": 500, "of": u.pk}]})

    data = privacy.account_export(user=user)

    # members' own sections first, then each registered app's (billing's real one too).
    assert list(data)[:5] == [
        "generated_at",
        "profile",
        "email_preferences",
        "email_addresses",
        "emails_sent",
    ]
    assert list(data)[-1] == "fake_billing"
    assert data["profile"] == {
        "email": "ana@example.org",
        "display_name": "Ana Novak",
        "country": "UA",
        "preferred_language": "en",
        "date_joined": user.date_joined.isoformat(),
        "last_login": None,
        "has_password": True,
    }
    assert data["email_preferences"] == {
        "email_vote_invitations": True,
        "email_reminders": True,
        "email_news": True,
    }
    assert data["email_addresses"] == [
        {"email": "ana@example.org", "verified": True, "primary": True},
        {"email": "ana.work@example.org", "verified": False, "primary": False},
    ]
    assert [(e["kind"], e["subject"], e["status"]) for e in data["emails_sent"]] == [
        ("account", "Your receipt", "sent"),
        ("account", "Your login code", "pending"),
    ]
    assert data["fake_billing"] == {"payments": [{"amount": 500, "of": user.pk}]}
    json.dumps(data)  # JSON-able as it is


def test_download_my_data_page(client: Client) -> None:
    user = a_member_with_history()
    client.force_login(user)
    page = client.get(reverse("members:privacy"))
    assert b"Download my data" in page.content
    response = client.get(reverse("members:data_download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert "no-cache" in response["Cache-Control"]
    assert json.loads(response.content)["profile"]["email"] == "ana@example.org"


def test_download_needs_a_login(client: Client) -> None:
    response = client.get(reverse("members:data_download"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Delete ----------------------------------------------------------------------------


def test_delete_my_account_anonymises_keeps_records_and_ends_sessions(client: Client) -> None:
    user = a_member_with_history()
    user.groups.add(Group.objects.get_or_create(name="finance")[0])
    elsewhere = Client()  # the same member logged in on another device
    elsewhere.post(reverse("account_login"), {"login": "ana@example.org", "password": PASSWORD})
    assert elsewhere.get(reverse("members:profile")).status_code == 200
    client.post(reverse("account_login"), {"login": "ana@example.org", "password": PASSWORD})

    page = client.get(reverse("members:delete_account"))
    assert b"Your password" in page.content
    response = client.post(reverse("members:delete_account"), {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("members:account_deleted")
    assert SESSION_KEY not in client.session
    assert b"Your account is deleted" in client.get(response["Location"]).content

    erased = User.objects.get(pk=user.pk)  # the row stays: payments and ballots point to it
    assert erased.email == f"deleted-{user.pk}@invalid"
    assert (erased.display_name, erased.country, erased.is_active) == ("", "", False)
    assert erased.has_usable_password() is False
    assert erased.erased_at is not None
    assert (erased.email_vote_invitations, erased.email_reminders, erased.email_news) == (
        False,
        False,
        False,
    )
    assert list(erased.groups.all()) == []
    assert EmailAddress.objects.filter(user_id=user.pk).count() == 0

    rows = {r.key: r for r in OutboundEmail.objects.all()}
    assert set(rows) == {"receipt:in_123", "account:pending"}  # kept: they are records
    receipt = rows["receipt:in_123"]
    assert (receipt.status, receipt.subject, receipt.body_text, receipt.to) == (
        "sent",
        "Your receipt",
        "",
        f"deleted-{user.pk}@invalid",
    )
    assert rows["account:pending"].status == "skipped"  # never sent to a deleted person

    # The other device is logged out on its next request.
    other = elsewhere.get(reverse("members:profile"))
    assert other.status_code == 302
    assert other["Location"].startswith(reverse("account_login"))
    # And nobody can log in as the old address.
    again = Client().post(
        reverse("account_login"), {"login": "ana@example.org", "password": PASSWORD}
    )
    assert SESSION_KEY not in again.wsgi_request.session


def test_a_new_account_can_use_the_address_afterwards(client: Client) -> None:
    user = a_member_with_history()
    privacy.account_delete(user=user)
    new, created = user_get_or_create_for_email(email="ana@example.org")
    assert created is True
    assert new.pk != user.pk


def test_delete_asks_for_the_password(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("members:delete_account"), {"password": "not-it"})
    assert response.status_code == 200
    assert b"That is not your password." in response.content
    assert b'href="#id_password"' in response.content
    user.refresh_from_db()
    assert user.is_active is True
    assert user.erased_at is None


def test_members_without_a_password_type_their_address(client: Client) -> None:
    user = UserFactory(email="codeonly@example.org")
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    page = client.get(reverse("members:delete_account"))
    assert b"Type your email address to confirm" in page.content

    wrong = client.post(reverse("members:delete_account"), {"confirm_email": "other@x.org"})
    assert b"Type the address you log in with, codeonly@example.org." in wrong.content
    ok = client.post(reverse("members:delete_account"), {"confirm_email": " CodeOnly@example.org"})
    assert ok.status_code == 302
    assert User.objects.get(pk=user.pk).erased_at is not None


def test_hooks_run_in_order_before_members_anonymises(registry: list[str]) -> None:
    user = a_member_with_history()

    def cancel_subscriptions(u: User) -> None:
        registry.append(f"before:{u.email}:{u.is_active}")

    def blank_billing_names(u: User) -> None:
        registry.append(f"anonymise:{u.email}")

    def second_before(u: User) -> None:
        registry.append("before-2")

    # Registered out of phase order on purpose: phase decides, then registration order.
    privacy.register_eraser("fake.anonymise", blank_billing_names, phase=privacy.ANONYMISE)
    privacy.register_eraser("fake.cancel_subscriptions", cancel_subscriptions)
    privacy.register_eraser("fake.second", second_before)

    privacy.account_delete(user=user)

    assert registry == ["before:ana@example.org:True", "before-2", "anonymise:ana@example.org"]
    assert User.objects.get(pk=user.pk).email == f"deleted-{user.pk}@invalid"


def test_a_before_hook_can_stop_the_deletion_with_a_message(
    client: Client, registry: list[str]
) -> None:
    user = a_member_with_history()

    def refuse(u: User) -> None:
        raise privacy.DeletionBlocked("We could not cancel your subscription at Stripe.")

    privacy.register_eraser("fake.cancel_subscriptions", refuse)
    privacy.register_eraser(
        "fake.anonymise", lambda u: registry.append("anonymise"), phase=privacy.ANONYMISE
    )
    client.force_login(user)
    response = client.post(reverse("members:delete_account"), {"password": PASSWORD})

    assert response.status_code == 200
    assert b"We could not cancel your subscription at Stripe." in response.content
    assert client.session[SESSION_KEY] == str(user.pk)  # still logged in
    assert registry == []  # the later phase never ran
    unchanged = User.objects.get(pk=user.pk)
    assert (unchanged.email, unchanged.display_name, unchanged.is_active) == (
        "ana@example.org",
        "Ana Novak",
        True,
    )
    assert unchanged.erased_at is None
    assert EmailAddress.objects.filter(user=user).count() == 2
    assert OutboundEmail.objects.get(key="receipt:in_123").body_text != ""


def test_an_unexpected_failure_stops_the_deletion_with_a_general_message(
    client: Client, registry: list[str]
) -> None:
    user = UserFactory()

    def stripe_down(u: User) -> None:
        raise ConnectionError("stripe unreachable")

    privacy.register_eraser("fake.cancel_subscriptions", stripe_down)
    client.force_login(user)
    response = client.post(reverse("members:delete_account"), {"password": PASSWORD})
    assert response.status_code == 200
    assert b"We could not delete your account just now, and nothing has been deleted." in (
        response.content
    )
    assert User.objects.get(pk=user.pk).is_active is True


def test_a_failing_anonymise_hook_rolls_everything_back(registry: list[str]) -> None:
    user = a_member_with_history()

    def broken(u: User) -> None:
        User.objects.filter(pk=u.pk).update(display_name="half-done")
        raise RuntimeError("billing table locked")

    privacy.register_eraser("fake.anonymise", broken, phase=privacy.ANONYMISE)
    with pytest.raises(RuntimeError):
        privacy.account_delete(user=user)
    unchanged = User.objects.get(pk=user.pk)
    assert (unchanged.email, unchanged.display_name) == ("ana@example.org", "Ana Novak")
    assert EmailAddress.objects.filter(user=user).count() == 2


def test_deleting_twice_changes_nothing_more(registry: list[str]) -> None:
    user = a_member_with_history()
    privacy.account_delete(user=user)
    first = User.objects.get(pk=user.pk).erased_at
    privacy.register_eraser("counter", lambda u: registry.append("ran"))
    privacy.account_delete(user=User.objects.get(pk=user.pk))
    assert User.objects.get(pk=user.pk).erased_at == first
    assert registry == []


def test_unknown_phase_is_refused() -> None:
    with pytest.raises(ValueError, match="phase must be one of"):
        privacy.register_eraser("x", lambda u: None, phase="after")
