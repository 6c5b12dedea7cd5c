"""allauth, adapted: its emails (verification, login codes, password reset) go through our
email ledger and a Celery worker like every other email, never from the web request."""

from __future__ import annotations

import uuid
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from members.mail.services import email_enqueue
from members.models import User


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"),
            "",
        )
        user = context.get("user")
        name = template_prefix.rsplit("/", 1)[-1]
        email_enqueue(
            # Each code or link is its own message; the key only has to be unique.
            key=f"account:{name}:{uuid.uuid4().hex}",
            kind="account",
            to=email,
            user=user if isinstance(user, User) and user.pk else None,
            subject=message.subject,
            body_text=message.body,
            body_html=str(html),
        )

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True
