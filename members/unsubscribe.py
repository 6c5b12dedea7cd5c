"""Signed one-click unsubscribe links that work without logging in."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from members.models import User

SALT = "members.unsubscribe"


def make_token(user: User, preference: str) -> str:
    return signing.dumps({"u": user.pk, "p": preference}, salt=SALT, compress=True)


def read_token(token: str) -> tuple[int, str]:
    """Return (user id, preference); raise signing.BadSignature on a forged token."""
    data = signing.loads(token, salt=SALT)
    return int(data["u"]), str(data["p"])


def unsubscribe_url(user: User, preference: str) -> str:
    path = reverse("members:unsubscribe", kwargs={"token": make_token(user, preference)})
    return f"{settings.SITE_URL}{path}"
