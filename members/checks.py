"""System checks of the members app (`manage.py check --deploy` runs them before a start)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

FILE_BACKENDS = {
    "members.mail.backends.EmlFileBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@checks.register(checks.Tags.security, deploy=True)
def check_reveal_secrets(**kwargs: Any) -> list[checks.CheckMessage]:
    """Readable sign-in codes would let staff and finance sign in as anyone: allowed only
    where mail is written to files on the machine itself (a local demo)."""
    if settings.EMAIL_REVEAL_SECRETS and settings.EMAIL_BACKEND not in FILE_BACKENDS:
        return [
            checks.Error(
                "EMAIL_REVEAL_SECRETS is on with a real mail backend: staff could read "
                "anyone's sign-in codes and password-reset links.",
                hint="Unset EMAIL_REVEAL_SECRETS (it is for the local file backend only).",
                id="members.E001",
            )
        ]
    return []
