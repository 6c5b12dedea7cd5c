"""members.services: the account billing creates or links after a payment, profile and
preference writes, and password hashing."""

from __future__ import annotations

import threading

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import identify_hasher
from django.db import connection, transaction

from config.settings import base as base_settings
from members.models import User
from members.services import (
    preference_unsubscribe,
    preferences_update,
    profile_update,
    user_get_or_create_for_email,
)
from tests.members.factories import UserFactory


@pytest.mark.django_db
def test_creates_an_account_without_password_and_with_an_unverified_address() -> None:
    user, created = user_get_or_create_for_email(email="  New@Example.ORG ", display_name="Ana")
    assert created is True
    assert (user.email, user.display_name, user.is_active) == ("new@example.org", "Ana", True)
    assert user.has_usable_password() is False
    assert list(EmailAddress.objects.values_list("user_id", "email", "verified", "primary")) == [
        (user.pk, "new@example.org", False, True)
    ]


@pytest.mark.django_db
def test_links_an_existing_account_whatever_the_case_and_is_idempotent() -> None:
    existing = UserFactory(email="reader@example.org", display_name="")
    for typed in ("READER@example.org", "reader@Example.org", "reader@example.org"):
        user, created = user_get_or_create_for_email(email=typed, display_name="Riley")
        assert (user.pk, created) == (existing.pk, False)
    existing.refresh_from_db()
    assert existing.display_name == "Riley"  # a blank name is filled in, once
    user_get_or_create_for_email(email="reader@example.org", display_name="Someone Else")
    existing.refresh_from_db()
    assert existing.display_name == "Riley"  # an existing name is never overwritten
    assert User.objects.count() == 1
    assert EmailAddress.objects.filter(user=existing).count() == 1
    assert existing.check_password("correct-horse-battery-staple")  # password untouched


@pytest.mark.django_db
def test_links_by_a_verified_secondary_address() -> None:
    owner = UserFactory(email="main@example.org")
    EmailAddress.objects.create(user=owner, email="work@example.org", verified=True)
    user, created = user_get_or_create_for_email(email="Work@example.org")
    assert (user.pk, created) == (owner.pk, False)
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_gives_an_address_to_accounts_made_without_one() -> None:
    admin = User.objects.create_superuser("admin@example.org", "x" * 20)
    user, created = user_get_or_create_for_email(email="admin@example.org")
    assert (user.pk, created) == (admin.pk, False)
    assert list(EmailAddress.objects.values_list("email", "verified", "primary")) == [
        ("admin@example.org", False, True)
    ]


@pytest.mark.django_db
def test_works_inside_the_callers_transaction() -> None:
    UserFactory(email="reader@example.org")
    with transaction.atomic():
        _, created = user_get_or_create_for_email(email="Reader@example.org")
        _, created_again = user_get_or_create_for_email(email="second@example.org")
    assert created is False
    assert created_again is True
    assert User.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["", "   ", "not-an-address", "a@b@example.org"])
def test_refuses_what_is_not_an_email_address(email: str) -> None:
    with pytest.raises(ValueError, match="not an email address"):
        user_get_or_create_for_email(email=email)
    assert User.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_for_one_address_in_different_case_make_one_account() -> None:
    spellings = ["race@example.org", "RACE@example.org", "Race@Example.org", "race@EXAMPLE.ORG"]
    callers = len(spellings) * 2
    barrier = threading.Barrier(callers)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def call(email: str) -> None:
        try:
            barrier.wait(timeout=10)  # all look up "no such user" at about the same time
            user, created = user_get_or_create_for_email(email=email)
            with lock:
                results.append((user.pk, created))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own database connection

    threads = [threading.Thread(target=call, args=(spellings[i % 4],)) for i in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(results) == callers
    assert len({pk for pk, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * (callers - 1) + [True]
    assert list(User.objects.values_list("email", flat=True)) == ["race@example.org"]
    assert EmailAddress.objects.count() == 1


@pytest.mark.django_db
def test_profile_update() -> None:
    user = UserFactory()
    profile_update(user=user, display_name="  Olena  ", country="UA", preferred_language="uk")
    user.refresh_from_db()
    assert (user.display_name, user.country.code, user.preferred_language) == (
        "Olena",
        "UA",
        "uk",
    )
    with pytest.raises(ValueError, match="unsupported language"):
        profile_update(user=user, display_name="", country="", preferred_language="de")


@pytest.mark.django_db
def test_preferences_update_and_unsubscribe() -> None:
    user = UserFactory()
    preferences_update(user=user, email_news=False, email_reminders=True)
    user.refresh_from_db()
    assert (user.email_vote_invitations, user.email_reminders, user.email_news) == (
        True,
        True,
        False,
    )
    with pytest.raises(LookupError):
        preferences_update(user=user, email_receipts=False)  # receipts have no switch

    assert preference_unsubscribe(user_id=user.pk, preference="email_vote_invitations") == user
    assert preference_unsubscribe(user_id=user.pk, preference="email_vote_invitations") == user
    user.refresh_from_db()
    assert (user.email_vote_invitations, user.email_reminders, user.email_news) == (
        False,
        True,
        False,
    )
    assert preference_unsubscribe(user_id=999_999, preference="email_news") is None


def test_argon2_is_the_first_hasher_in_every_environment() -> None:
    assert base_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.django_db
def test_passwords_are_stored_with_argon2(settings) -> None:
    # The test settings put a fast hasher first; this test restores the real order.
    settings.PASSWORD_HASHERS = base_settings.PASSWORD_HASHERS
    user = User.objects.create_user("hashed@example.org", "a-long-and-unusual-passphrase")
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("a-long-and-unusual-passphrase")
