"""Email preferences: which bulk email a member agreed to receive.

Receipts and account mail (codes, verification, password reset) are always sent and are never
asked about here. Each bulk mail kind names one of PREFERENCES as its `preference`; the flag
of that name on `User` says whether the member wants it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from members.models import User


@dataclass(frozen=True)
class Preference:
    name: str  # the boolean field on User
    label: Promise
    hint: Promise


PREFERENCES: dict[str, Preference] = {
    p.name: p
    for p in (
        Preference(
            "email_vote_invitations",
            _("Vote invitations"),
            _("When a round opens, we invite patrons to choose what we investigate next."),
        ),
        Preference(
            "email_reminders",
            _("Reminders"),
            _("A reminder before a vote closes, if you have not voted yet."),
        ),
        Preference(
            "email_news",
            _("News from the newsroom"),
            _("Occasional letters about our work and the stories you helped choose."),
        ),
    )
}


def email_allowed(user: User, preference: str) -> bool:
    """Whether `user` may get bulk mail governed by `preference` (a name in PREFERENCES).

    An unknown name is a programming error and raises, rather than sending by default.
    Inactive and erased accounts get no bulk mail.
    """
    if preference not in PREFERENCES:
        raise LookupError(f"unknown email preference {preference!r}")
    return bool(getattr(user, preference)) and user.is_active and user.erased_at is None
