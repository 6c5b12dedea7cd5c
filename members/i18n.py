"""The member's language: remembered in Django's language cookie, which LocaleMiddleware
reads on every request (Django keeps no language in the session)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation

from members.models import Language, User


def activate_member_language(request: HttpRequest, response: HttpResponseBase, user: User) -> None:
    """Switch this request and the browser to the member's preferred language."""
    language = user.preferred_language
    if language not in Language.values:
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
