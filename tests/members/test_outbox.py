import pytest
from django.test import Client
from django.urls import reverse

from members.mail.services import email_enqueue
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_role_sees_the_outbox_and_a_message(client: Client) -> None:
    staff = UserFactory(roles=["staff"])
    row = email_enqueue(
        key="t:1", kind="account", to="a@example.org", subject="Your code", body_text="123456"
    )
    client.force_login(staff)
    listing = client.get(reverse("members:outbox"))
    assert listing.status_code == 200
    assert b"a@example.org" in listing.content
    detail = client.get(reverse("members:outbox_detail", args=[row.pk]))
    assert detail.status_code == 200
    assert b"123456" in detail.content


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
