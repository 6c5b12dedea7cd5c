"""Signed one-click unsubscribe links that work without logging in.

The token is the only authority the link carries: `signing` makes it unforgeable (HMAC with
SECRET_KEY, salted for this purpose), it names one member and one preference, and it never
expires, because people unsubscribe from old emails too.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from members.models import User
from members.preferences import PREFERENCES

SALT = "members.unsubscribe"


def make_token(user: User, preference: str) -> str:
    if preference not in PREFERENCES:
        raise LookupError(f"unknown email preference {preference!r}")
    return signing.dumps({"u": user.pk, "p": preference}, salt=SALT, compress=True)


def read_token(token: str) -> tuple[int, str]:
    """Return (user id, preference); raise signing.BadSignature on a forged or damaged token."""
    data = signing.loads(token, salt=SALT)
    try:
        user_id, preference = int(data["u"]), str(data["p"])
    except (KeyError, TypeError, ValueError) as exc:
        raise signing.BadSignature("malformed unsubscribe token") from exc
    if preference not in PREFERENCES:
        raise signing.BadSignature("unknown preference in unsubscribe token")
    return user_id, preference


def unsubscribe_url(user: User, preference: str) -> str:
    path = reverse("members:unsubscribe", kwargs={"token": make_token(user, preference)})
    return f"{settings.SITE_URL}{path}"
