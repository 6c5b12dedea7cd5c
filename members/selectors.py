"""Reads about members, for pages and other apps."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db.models import Q, QuerySet

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
