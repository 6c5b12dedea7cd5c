"""A member's data: export it ("Download my data") and erase it ("Delete my account").

Members sits at the bottom of the dependency graph (support -> billing -> members), so it
cannot know what billing or support keep about a person. Instead each app registers, in its
`AppConfig.ready`:

- an exporter, `fn(user) -> JSON-able`, whose result appears under its name in the export;
- erasers, `fn(user) -> None`, in one of two phases:
  - BEFORE_ANONYMISE: runs first, outside our transaction, and may talk to the outside world
    (billing cancels the member's Stripe subscriptions here). Raising `DeletionBlocked` (or
    anything else) aborts the deletion before members changes a thing.
  - ANONYMISE: runs inside the deletion's database transaction, right before members
    anonymises the user (billing blanks names on its own rows here). Raising rolls the whole
    transaction back.

`account_delete` then anonymises the person while keeping rows that others reference
(payments, invoices, ballots and the email ledger keep pointing at the same user id).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import ApiToken, Language, OutboundEmail, User
from members.preferences import PREFERENCES

log = logging.getLogger(__name__)

BEFORE_ANONYMISE = "before_anonymise"
ANONYMISE = "anonymise"
PHASES = (BEFORE_ANONYMISE, ANONYMISE)

Exporter = Callable[[User], Any]
Eraser = Callable[[User], None]


class DeletionBlocked(Exception):
    """Raised by an eraser to stop a deletion; its message is shown to the member."""


@dataclass(frozen=True)
class _Eraser:
    name: str
    fn: Eraser
    phase: str


_EXPORTERS: dict[str, Exporter] = {}
_ERASERS: dict[str, _Eraser] = {}


def register_exporter(name: str, fn: Exporter) -> None:
    """Add a section `name` to every export. Re-registering a name replaces it (app reloads)."""
    _EXPORTERS[name] = fn


def register_eraser(name: str, fn: Eraser, *, phase: str = BEFORE_ANONYMISE) -> None:
    """Run `fn(user)` when a member deletes their account, in `phase` (see module doc).

    Within a phase, erasers run in the order they were registered, which is app order
    (INSTALLED_APPS), so lower apps go first.
    """
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}, not {phase!r}")
    _ERASERS[name] = _Eraser(name=name, fn=fn, phase=phase)


def unregister(name: str) -> None:
    """Remove an exporter and an eraser of that name (tests register temporary ones)."""
    _EXPORTERS.pop(name, None)
    _ERASERS.pop(name, None)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


# --- What members itself keeps ---------------------------------------------------------


def export_profile(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "country": str(user.country.code) if user.country else "",
        "preferred_language": user.preferred_language,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "has_password": user.has_usable_password(),
    }


def export_preferences(user: User) -> dict[str, bool]:
    return {name: bool(getattr(user, name)) for name in PREFERENCES}


def export_email_addresses(user: User) -> list[dict[str, Any]]:
    return [
        {"email": a.email, "verified": a.verified, "primary": a.primary}
        for a in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    ]


def export_emails(user: User) -> list[dict[str, Any]]:
    rows = OutboundEmail.objects.filter(user=user).order_by("created_at", "id")
    return [
        {
            "kind": row.kind,
            "to": row.to,
            "subject": row.subject,
            "status": row.status,
            "created_at": _iso(row.created_at),
            "sent_at": _iso(row.sent_at),
        }
        for row in rows
    ]


def _anonymise_member(user: User) -> None:
    old_addresses = {
        user.email,
        *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
    }
    EmailAddress.objects.filter(user=user).delete()
    # Members-API tokens die with the password anyway; their rows (sites, dates) go too.
    ApiToken.objects.filter(user=user).delete()
    # The ledger rows stay (a receipt row is the record that a receipt went out, keyed by the
    # invoice), but what they said, and to which address, goes.
    emails = OutboundEmail.objects.filter(Q(user=user) | Q(to__in=old_addresses))
    emails.filter(status=OutboundEmail.Status.PENDING).update(
        status=OutboundEmail.Status.SKIPPED, last_error="The account was deleted."
    )
    emails.update(
        user=user, to=f"deleted-{user.pk}@invalid", body_text="", body_html="", context={}
    )

    user.email = f"deleted-{user.pk}@invalid"
    user.display_name = ""
    user.country = ""
    user.preferred_language = Language.EN
    for name in PREFERENCES:
        setattr(user, name, False)
    # An unusable password also changes the session auth hash, so every session this user
    # has anywhere is refused on its next request (django.contrib.auth.get_user).
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.erased_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


# --- The services ------------------------------------------------------------------------


def account_export(*, user: User) -> dict[str, Any]:
    """Everything we keep about `user`, as JSON-able data: members' sections first, then
    each registered app's under its name. Reads only."""
    data: dict[str, Any] = {
        "generated_at": timezone.now().isoformat(),
        "profile": export_profile(user),
        "email_preferences": export_preferences(user),
        "email_addresses": export_email_addresses(user),
        "emails_sent": export_emails(user),
    }
    for name, fn in _EXPORTERS.items():
        data[name] = fn(user)
    return data


def account_delete(*, user: User) -> User:
    """Delete a member's account: erase the person, keep the records accounting needs.

    Order, and what each failure means:
    1. BEFORE_ANONYMISE erasers, in registration order (billing cancels subscriptions at
       Stripe). If one raises, nothing of members has changed and the exception propagates
       (`DeletionBlocked` carries a message for the member); earlier hooks' outside effects
       (a cancelled subscription) stand, as they would if the member had done them by hand.
    2. One transaction, holding the user row locked: ANONYMISE erasers, then members'
       anonymisation (email -> deleted-<id>@invalid, names blank, unusable password,
       inactive, allauth addresses deleted, email bodies blanked with the ledger rows kept).
       All of it commits together or not at all.

    Idempotent: deleting an erased account again changes nothing. The caller ends the
    current session (logout); other sessions die on their next request because the password
    hash they were issued for is gone.
    """
    if user.erased_at is not None:
        return user
    for eraser in [e for e in _ERASERS.values() if e.phase == BEFORE_ANONYMISE]:
        eraser.fn(user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.erased_at is not None:
            return locked
        for eraser in [e for e in _ERASERS.values() if e.phase == ANONYMISE]:
            eraser.fn(locked)
        _anonymise_member(locked)
    log.info("account_delete: user %s erased", locked.pk)
    return locked


DELETION_FAILED_MESSAGE = _(
    "We could not delete your account just now, and nothing has been deleted. "
    "Please try again in a few minutes, or write to us."
)
