"""Billing's part of the members API (`members.api.registry`): is the reader an entitled
patron, since when, of which tier. Read from the membership history (`entitlement_for`),
like voting eligibility, never from the current membership row."""

from __future__ import annotations

from typing import Any

from members.models import User

from .models import Tier
from .selectors import entitlement_for

TIER = {
    "type": "object",
    "required": ["slug", "name"],
    "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["entitled", "since", "tier", "tiers"],
    "properties": {
        "entitled": {
            "type": "boolean",
            "description": "Gets patrons' benefits now: show the extras, hide the appeal.",
        },
        "since": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "Start of the current unbroken stretch as a patron.",
        },
        "tier": {
            "oneOf": [TIER, {"type": "null"}],
            "description": "The highest tier the reader is entitled through (tiers are "
            "ordered as on the support page); null when not entitled.",
        },
        "tiers": {"type": "array", "items": TIER, "description": "Every tier entitling now."},
    },
}


def patron_section(user: User) -> dict[str, Any]:
    entitlement = entitlement_for(user_id=user.pk)
    tiers = [
        {"slug": t.slug, "name": t.name}
        for t in Tier.objects.filter(pk__in=entitlement.tier_ids).order_by("position", "id")
    ]
    return {
        "entitled": entitlement.entitled,
        "since": entitlement.since.isoformat() if entitlement.since else None,
        "tier": tiers[-1] if tiers else None,
        "tiers": tiers,
    }
