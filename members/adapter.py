"""allauth, adapted: its emails (verification, login codes, password reset) go through our
email ledger and a Celery worker like every other email, never from the web request; a new
member keeps the language they signed up in; logging in switches to the member's language."""

from __future__ import annotations

import uuid
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from members.i18n import activate_member_language
from members.mail.services import email_enqueue
from members.models import Language, User, normalize_email


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = allauth_context.request
        context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            # Subjects are rendered without the request's context processors.
            "newsroom": settings.NEWSROOM,
            **context,
        }
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"),
            "",
        )
        user = context.get("user")
        if not (isinstance(user, User) and user.pk):
            # Some account mail carries no user ("someone tried to sign up with your
            # address"); the ledger still files it under the member who owns the address.
            user = User.objects.filter(email=normalize_email(email)).first()
        name = template_prefix.rsplit("/", 1)[-1]
        email_enqueue(
            # Each code or link is its own message; the key only has to be unique.
            key=f"account:{name}:{uuid.uuid4().hex}",
            kind="account",
            to=email,
            user=user,
            subject=message.subject,
            body_text=message.body,
            body_html=str(html),
        )

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        # A reader who signs up on the Ukrainian site gets Ukrainian email.
        language = translation.get_language() or ""
        if language in Language.values:
            user.preferred_language = language
        return super().save_user(request, user, form, commit=commit)

    def post_login(self, request: HttpRequest, user: User, **kwargs: Any) -> HttpResponse:
        # Activate first, so the "You have logged in" message is already in that language.
        translation.activate(user.preferred_language)
        response = super().post_login(request, user, **kwargs)
        activate_member_language(request, response, user)
        return response
