"""Reads about members, for pages and other apps."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.db.models import Count, Q, QuerySet

from members.models import OutboundEmail, User


def member_search(*, query: str = "") -> QuerySet[User]:
    """Members whose email (any of their addresses) or name contains `query`, newest first."""
    members = User.objects.order_by("-date_joined", "-pk")
    query = query.strip()
    if query:
        by_address = EmailAddress.objects.filter(email__icontains=query).values("user_id")
        members = members.filter(
            Q(email__icontains=query) | Q(display_name__icontains=query) | Q(pk__in=by_address)
        )
    return members


def member_emails(*, user: User, limit: int = 50) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(user=user).order_by("-created_at", "-id")[:limit])


@dataclass(frozen=True)
class MemberStatus:
    active: bool  # may log in and act (not deactivated, not erased)
    language: str


def member_status(*, user_id: int) -> MemberStatus | None:
    """Whether an account exists and may act; None when there is no such account."""
    row = User.objects.filter(pk=user_id).values("is_active", "erased_at", "preferred_language")
    found = row.first()
    if found is None:
        return None
    return MemberStatus(
        active=found["is_active"] and found["erased_at"] is None,
        language=found["preferred_language"],
    )


def members_with_permission(*, permission: str) -> list[User]:
    """Active accounts that hold `permission` ("app_label.codename") through one of their
    roles (groups) or directly; superusers only if they hold it that way too, so the
    site's owner is not mailed about every editorial chore."""
    app_label, codename = permission.split(".", 1)
    perm = Q(content_type__app_label=app_label, codename=codename)
    holders = User.objects.filter(
        Q(groups__permissions__in=Permission.objects.filter(perm))
        | Q(user_permissions__in=Permission.objects.filter(perm)),
        is_active=True,
        erased_at__isnull=True,
    )
    return list(holders.distinct().order_by("pk"))


def email_status_counts(*, kind: str, key_prefix: str) -> dict[str, int]:
    """How many ledger rows of `kind` whose key starts with `key_prefix` are in each status
    (pending, sending, sent, failed, skipped): the progress of a bulk mailing."""
    rows = (
        OutboundEmail.objects.filter(kind=kind, key__startswith=key_prefix)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys(OutboundEmail.Status.values, 0)
    counts.update(dict(rows))
    return counts
