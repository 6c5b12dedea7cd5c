"""Emails that carry a credential (a sign-in code, a password-reset or confirmation link)
are never stored readable in the ledger, unless `settings.EMAIL_REVEAL_SECRETS` is on (the
local file backend, where the outbox is how a newcomer gets a code).

Such a row keeps what was sent, to whom, its kind and subject; its bodies stay empty and
`context["hidden"]` is set. The rendered bodies wait in the cache (Redis) only until the
worker has sent them, and never longer than the longest-lived credential: a database dump,
the staff outbox or the admin shows no code. Staff and finance read the ledger; with the
bodies readable either role could sign in as anyone.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from members.models import OutboundEmail

from . import kinds

# The context flag of a hidden row; `OutboundEmail.is_hidden` reads it.
HIDDEN = "hidden"


class HiddenContentGone(Exception):
    """The bodies of a hidden email are no longer in the cache (expired or Redis lost them);
    the credential inside has expired too, so there is nothing worth sending."""


def must_hide(kind: str) -> bool:
    return kinds.get(kind).secret and not settings.EMAIL_REVEAL_SECRETS


def _cache_key(ledger_key: str) -> str:
    return f"mail:hidden:{ledger_key}"


def _ttl() -> int:
    # Password-reset links live PASSWORD_RESET_TIMEOUT (3 days by default), as long as any
    # credential allauth mails; a message not sent by then would carry a dead link anyway.
    return int(settings.PASSWORD_RESET_TIMEOUT)


def hidden_content_keep(*, ledger_key: str, body_text: str, body_html: str) -> None:
    """Hold the rendered bodies for the send task. Raises if the cache is down, so the
    caller's transaction (and its ledger row) rolls back instead of keeping an unsendable row."""
    cache.set(_cache_key(ledger_key), {"text": body_text, "html": body_html}, _ttl())


def hidden_content_get(row: OutboundEmail) -> tuple[str, str]:
    """The bodies of a hidden row, for sending. Raises HiddenContentGone."""
    content = cache.get(_cache_key(row.key))
    if content is None:
        raise HiddenContentGone(
            "The message carried a sign-in code or link that was held only until sending, "
            "and it is gone (expired); not sent. The reader can ask for a new one."
        )
    return content["text"], content["html"]


def hidden_content_forget(row: OutboundEmail) -> None:
    cache.delete(_cache_key(row.key))
