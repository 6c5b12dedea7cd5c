"""Tiers by id and name, for apps that refer to tiers (voting rounds name the tiers that may
vote and what each weighs) without reading billing's tables themselves."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from billing.models import Tier


@dataclass(frozen=True)
class TierName:
    id: int
    name: str
    is_active: bool


def tier_names(*, ids: Iterable[int] | None = None) -> list[TierName]:
    """Every tier (or those of `ids`), in the support page's order; offered ones first."""
    tiers = Tier.objects.order_by("-is_active", "position", "id")
    if ids is not None:
        tiers = tiers.filter(pk__in=list(ids))
    return [TierName(t.pk, t.name, t.is_active) for t in tiers.only("pk", "name", "is_active")]
