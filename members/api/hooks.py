"""Receivers for Django's auth signals that keep the members API's tokens honest."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .tokens import api_tokens_revoke_for_session


def revoke_tokens_on_logout(sender: Any, request: HttpRequest | None, user: Any, **kw: Any) -> None:
    if user is None or request is None or not hasattr(request, "session"):
        return
    api_tokens_revoke_for_session(user_id=user.pk, session_key=request.session.session_key or "")
