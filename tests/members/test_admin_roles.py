"""The Django admin as the staff role uses it: it holds `members.change_user`, so it may edit a
member's profile, but never permissions, roles, passwords or a superuser. Every request is a
real HTTP request through the test client, logged in through the admin's own login form."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from members.models import User
from tests.members.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def admin_login(user: User) -> Client:
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": user.email, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/admin/"
    return client


def change_url(user: User) -> str:
    return f"/admin/members/user/{user.pk}/change/"


def input_names(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|select|textarea)[^>]*?\sname="([^"]+)"', html))


@pytest.fixture
def staff() -> User:
    return UserFactory(roles=["staff"], is_staff=True, display_name="Sam Staff")


def test_the_staff_form_offers_profile_fields_only(staff: User) -> None:
    client = admin_login(staff)
    page = client.get(change_url(staff))
    assert page.status_code == 200
    html = page.content.decode()
    names = input_names(html)
    assert {"display_name", "country", "preferred_language", "email_news"} <= names
    forbidden = {"is_superuser", "is_staff", "is_active", "groups", "user_permissions",
                 "password", "email"}  # fmt: skip
    assert names & forbidden == set()
    assert "/password/" not in html  # no link to the password form


def test_staff_cannot_make_itself_superuser_or_give_itself_roles(staff: User) -> None:
    client = admin_login(staff)
    finance = Group.objects.get(name="finance")
    any_permission = Permission.objects.get(codename="delete_user")
    response = client.post(
        change_url(staff),
        {
            "display_name": "Sam S.",
            "country": "",
            "preferred_language": "en",
            "email_news": "on",
            # Everything below is what a hand-made POST would add; none of it may stick.
            "email": "attacker@example.org",
            "is_superuser": "on",
            "is_staff": "on",
            "is_active": "on",
            "groups": [str(finance.pk)],
            "user_permissions": [str(any_permission.pk)],
            "password": "plain-text-password",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    staff.refresh_from_db()
    assert staff.display_name == "Sam S."  # the profile edit went through
    assert staff.email_vote_invitations is False  # an unticked box is a real edit too
    assert staff.is_superuser is False
    assert staff.email != "attacker@example.org"
    assert list(staff.groups.values_list("name", flat=True)) == ["staff"]
    assert staff.user_permissions.count() == 0
    assert staff.check_password(PASSWORD)
    assert not staff.has_perm("members.delete_user")


def test_staff_edits_another_members_profile_but_not_their_account(staff: User) -> None:
    member = UserFactory(display_name="Ana")
    client = admin_login(staff)
    response = client.post(
        change_url(member),
        {"display_name": "Ana Novak", "country": "UA", "preferred_language": "uk",
         "is_active": "", "is_staff": "on", "groups": [str(Group.objects.get(name="staff").pk)]},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    member.refresh_from_db()
    assert (member.display_name, str(member.country), member.preferred_language) == (
        "Ana Novak",
        "UA",
        "uk",
    )
    assert (member.is_active, member.is_staff, member.groups.count()) == (True, False, 0)


@pytest.mark.parametrize("whose", ["own", "another member's"])
def test_staff_cannot_open_or_post_the_password_form(staff: User, whose: str) -> None:
    target = staff if whose == "own" else UserFactory()
    client = admin_login(staff)
    url = f"/admin/members/user/{target.pk}/password/"
    assert client.get(url).status_code == 403
    new = "another-long-passphrase-77"
    response = client.post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.check_password(PASSWORD)
    assert not target.check_password(new)


def test_staff_cannot_change_a_superuser(staff: User) -> None:
    root = User.objects.create_superuser("root@example.org", PASSWORD, display_name="Root")
    client = admin_login(staff)
    page = client.get(change_url(root))
    assert page.status_code == 200  # staff may look (members.view_user) ...
    assert input_names(page.content.decode()) & {"display_name", "is_superuser"} == set()
    response = client.post(change_url(root), {"display_name": "Owned", "preferred_language": "en"})
    assert response.status_code == 403  # ... but not change
    root.refresh_from_db()
    assert root.display_name == "Root"
    assert client.get(f"/admin/members/user/{root.pk}/password/").status_code == 403


def test_finance_may_only_look(staff: User) -> None:
    finance = UserFactory(roles=["finance"], is_staff=True)
    client = admin_login(finance)
    page = client.get(change_url(staff))
    assert page.status_code == 200
    assert input_names(page.content.decode()) & {"display_name", "is_superuser"} == set()
    assert client.post(change_url(staff), {"display_name": "x"}).status_code == 403


def test_a_superuser_still_manages_permissions_and_passwords(staff: User) -> None:
    root = User.objects.create_superuser("root@example.org", PASSWORD)
    client = admin_login(root)
    names = input_names(client.get(change_url(staff)).content.decode())
    assert {"is_superuser", "groups", "user_permissions", "email", "is_active"} <= names
    finance = Group.objects.get(name="finance")
    response = client.post(
        change_url(staff),
        {"email": staff.email, "display_name": staff.display_name, "preferred_language": "en",
         "is_active": "on", "is_staff": "on", "groups": [str(finance.pk)],
         "last_login_0": "", "last_login_1": "",
         "date_joined_0": "2026-01-02", "date_joined_1": "10:00:00"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(staff.groups.values_list("name", flat=True)) == ["finance"]
    new = "another-long-passphrase-77"
    response = client.post(
        f"/admin/members/user/{staff.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    staff.refresh_from_db()
    assert staff.check_password(new)
