"""Reading values out of Stripe objects (as the gateway returns them: plain dicts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def object_id(value: Any) -> str | None:
    """The id of a reference that is either an id or an expanded object (`expand[]`)."""
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def from_unix(value: Any) -> datetime | None:
    """A Stripe timestamp (unix seconds, or null) as an aware datetime."""
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None
