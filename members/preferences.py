"""Email preferences: which bulk email a member agreed to receive."""

from __future__ import annotations

from members.models import User


def email_allowed(user: User, preference: str) -> bool:
    """Receipts are never asked about here; bulk kinds name the preference they need."""
    return bool(getattr(user, preference, True)) and user.is_active
