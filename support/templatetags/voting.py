"""Template helpers for voting pages and the staff member page's "ballots cast" section."""

from __future__ import annotations

from django import template

from members.models import User
from support.voting.selectors import ballots_cast_count

register = template.Library()


@register.simple_tag
def ballots_cast(member: User) -> int:
    """How many ballots the member cast (a count; never what they chose)."""
    return ballots_cast_count(user=member)


@register.filter
def percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}%"
