"""Tokens for the members API: issue, authenticate, revoke.

A token is `pat_<key_id>.<secret>`: `key_id` finds the row, the secret is compared with the
SHA-256 we kept (in constant time). It is refused (with the reason, for the answer's
`error_description`) when unknown or forged, expired, revoked, issued under a password the
member has since changed, or for an account that can no longer sign in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from members.models import ApiToken, User

PREFIX = "pat_"
# last_used_at is written at most this often per token, not on every request.
TOUCH_EVERY = timedelta(minutes=5)


class TokenRefused(Exception):
    """The token does not authenticate anyone; `str()` says why, for the client."""


@dataclass(frozen=True)
class Issued:
    token: ApiToken
    raw: str  # shown once, to the reader's browser; never stored


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def session_digest(session_key: str) -> str:
    return _digest("session:" + session_key) if session_key else ""


def api_token_issue(*, user: User, origin: str, session_key: str = "") -> Issued:
    """A new token for `user` to hand to the CMS at `origin`, valid MEMBERS_API_TOKEN_DAYS,
    tied to the browser session it was issued in (logging out there revokes it)."""
    key_id = secrets.token_urlsafe(12)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_id=key_id,
        secret_hash=_digest(secret),
        password_hash=user.get_session_auth_hash(),
        session_hash=session_digest(session_key),
        origin=origin,
        expires_at=timezone.now() + timedelta(days=settings.MEMBERS_API_TOKEN_DAYS),
    )
    return Issued(token=token, raw=f"{PREFIX}{key_id}.{secret}")


def api_token_authenticate(*, raw: str) -> ApiToken:
    """The live token `raw` names, with its user; raises TokenRefused otherwise."""
    if not raw.startswith(PREFIX) or "." not in raw:
        raise TokenRefused("The token is malformed.")
    key_id, _dot, secret = raw[len(PREFIX) :].partition(".")
    token = ApiToken.objects.select_related("user").filter(key_id=key_id).first()
    # Compare even when no row was found, so timing tells nothing about which key ids exist.
    expected = token.secret_hash if token else _digest("no such token")
    if not hmac.compare_digest(expected, _digest(secret)) or token is None:
        raise TokenRefused("The token is not one we issued.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused("The token was revoked.")
    if token.expires_at <= now:
        raise TokenRefused("The token expired.")
    user = token.user
    if not user.is_active or not hmac.compare_digest(
        token.password_hash, user.get_session_auth_hash()
    ):
        api_token_revoke(token_id=token.pk, reason="password_changed")
        raise TokenRefused("The token was revoked.")
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_token_revoke(*, token_id: int, user: User | None = None, reason: str = "member") -> int:
    """Revoke one token (of `user`, when given). Idempotent; returns how many changed."""
    rows = ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True)
    if user is not None:
        rows = rows.filter(user=user)
    return rows.update(revoked_at=timezone.now(), revoked_reason=reason)


@transaction.atomic
def api_tokens_revoke_all(*, user: User, reason: str = "member") -> int:
    """Revoke every live token of `user` ("sign out of every site")."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )


def api_tokens_revoke_for_session(*, user_id: int, session_key: str) -> int:
    """Revoke the tokens issued in one browser session (the member logged out there)."""
    if not session_key:
        return 0
    return ApiToken.objects.filter(
        user_id=user_id, session_hash=session_digest(session_key), revoked_at__isnull=True
    ).update(revoked_at=timezone.now(), revoked_reason="logout")


def api_tokens_live_for(*, user: User) -> list[ApiToken]:
    return list(
        ApiToken.objects.filter(
            user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).order_by("-created_at")
    )
