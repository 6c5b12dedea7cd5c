"""The member's own pages (profile, preferences) and staff's member pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from members import navigation
from members.mail.services import email_enqueue
from members.preferences import email_allowed
from members.roles import roles_sync
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_account_pages_need_a_login(client: Client) -> None:
    for name in (
        "members:profile",
        "members:preferences",
        "members:privacy",
        "members:delete_account",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login")), name


def test_profile_shows_and_saves(client: Client) -> None:
    user = UserFactory(email="ana@example.org", display_name="Ana")
    client.force_login(user)
    page = client.get(reverse("members:profile")).content.decode()
    assert "ana@example.org" in page
    assert '<select name="country"' in page
    assert '<option value="UA">Ukraine</option>' in page
    assert 'type="radio" name="preferred_language" value="uk"' in page
    # The account navigation lists every page, the current one marked.
    assert f'href="{reverse("members:profile")}" aria-current="page">Profile</a>' in page
    for name in (
        "members:preferences",
        "account_change_password",
        "account_email",
        "members:privacy",
    ):
        assert f'href="{reverse(name)}"' in page

    response = client.post(
        reverse("members:profile"),
        {"display_name": "Ana Novak", "country": "UA", "preferred_language": "uk"},
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "uk"
    user.refresh_from_db()
    assert (user.display_name, user.country.code, user.preferred_language) == (
        "Ana Novak",
        "UA",
        "uk",
    )


def test_profile_errors_follow_the_gov_uk_pattern(client: Client) -> None:
    user = UserFactory(display_name="Ana")
    client.force_login(user)
    response = client.post(
        reverse("members:profile"),
        {"display_name": "x" * 101, "country": "XX", "preferred_language": "de"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index('class="error-summary"') < html.index('action="/account/"')
    assert 'href="#id_display_name"' in html
    assert 'href="#id_country"' in html
    assert 'href="#id_preferred_language_0"' in html
    assert 'id="id_country-error"' in html
    assert 'aria-invalid="true"' in html
    user.refresh_from_db()
    assert (user.display_name, user.preferred_language) == ("Ana", "en")


def test_preferences_switch_bulk_mail_and_the_ledger_honours_them(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("members:preferences")).content.decode()
    assert "Receipts and emails about your account" in page
    assert page.count('type="checkbox"') == 3

    # Unchecked boxes are not sent: only vote invitations stay on.
    response = client.post(reverse("members:preferences"), {"email_vote_invitations": "on"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.email_vote_invitations, user.email_reminders, user.email_news) == (
        True,
        False,
        False,
    )
    assert email_allowed(user, "email_vote_invitations") is True
    assert email_allowed(user, "email_news") is False
    skipped = email_enqueue(
        key="news:x", kind="news", to=user.email, user=user, context={"subject": "s", "body": "b"}
    )
    assert skipped.status == "skipped"


def test_email_allowed_refuses_unknown_preferences() -> None:
    with pytest.raises(LookupError):
        email_allowed(UserFactory(), "email_receipts")


def test_billing_can_add_its_item_to_the_account_navigation(client: Client) -> None:
    navigation.register_account_nav_item(url_name="members:privacy", label="Moved", order=15)
    try:
        client.force_login(UserFactory())
        page = client.get(reverse("members:profile")).content.decode()
        nav = page[page.index('class="account-nav"') :]
        assert nav.index(">Profile<") < nav.index(">Moved<") < nav.index(">Email preferences<")
    finally:
        navigation.register_members_own_items()


def test_language_switcher_in_the_footer(client: Client) -> None:
    page = client.get(reverse("account_login")).content.decode()
    assert f'action="{reverse("set_language")}"' in page
    assert 'name="language" value="uk" lang="uk"' in page
    response = client.post(reverse("set_language"), {"language": "uk", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "uk"


# --- Staff ---------------------------------------------------------------------------------


def test_staff_members_list_search_and_detail(client: Client) -> None:
    ana = UserFactory(email="ana@example.org", display_name="Ana Novak", email_news=False)
    UserFactory(email="ben@example.org", display_name="Ben Okafor")
    email_enqueue(key="r:1", kind="account", to=ana.email, user=ana, subject="Your receipt")
    client.force_login(UserFactory(email="staff@example.org", roles=["staff"]))

    listing = client.get(reverse("members:staff_members")).content.decode()
    assert "ana@example.org" in listing
    assert "ben@example.org" in listing
    found = client.get(reverse("members:staff_members"), {"q": "novak"}).content.decode()
    assert "ana@example.org" in found
    assert "ben@example.org" not in found
    assert "1 member" in found

    detail = client.get(reverse("members:staff_member_detail", args=[ana.pk])).content.decode()
    assert "Ana Novak" in detail
    assert "Your receipt" in detail
    assert "<dt>News from the newsroom</dt><dd>No</dd>" in detail


@pytest.mark.parametrize(
    ("roles", "is_staff", "status"),
    [
        (["staff"], True, 200),
        (["finance"], True, 200),
        (["editor"], True, 403),
        ([], True, 403),
        ([], False, 403),
    ],
)
def test_staff_member_pages_check_the_permission(
    client: Client, roles: list[str], is_staff: bool, status: int
) -> None:
    member = UserFactory()
    client.force_login(UserFactory(roles=roles, is_staff=is_staff))
    assert client.get(reverse("members:staff_members")).status_code == status
    detail = client.get(reverse("members:staff_member_detail", args=[member.pk]))
    assert detail.status_code == status


def test_every_permission_the_roles_name_exists() -> None:
    counts = roles_sync(strict=True)
    assert counts["staff"] >= 3
    assert counts["finance"] >= 2
