"""Voting's part in "Download my data" and "Delete my account" (registered with
`members.privacy` from SupportConfig.ready)."""

from __future__ import annotations

from typing import Any

from members.models import User

from ..models import Ballot, Topic, TopicSupport


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def export_voting(user: User) -> dict[str, Any]:
    """The member's own ballots (what they chose, in order), suggestions and the topics
    they back."""
    ballots = Ballot.objects.filter(user=user).select_related("round").order_by("cast_at", "pk")
    topic_ids = {t for b in ballots for t in b.choices}
    titles = dict(Topic.objects.filter(pk__in=topic_ids).values_list("pk", "title"))
    return {
        "ballots": [
            {
                "round": b.round.title,
                "method": b.round.method,
                "choices": [titles.get(t, f"topic {t}") for t in b.choices],
                "weight": b.weight,
                "cast_at": _iso(b.cast_at),
                "changed_at": _iso(b.changed_at),
            }
            for b in ballots
        ],
        "suggestions": [
            {
                "round": t.round.title,
                "title": t.title,
                "summary": t.summary,
                "status": t.status,
                "reason": t.rejection_reason,
                "merged_into": t.merged_into.title if t.merged_into else None,
                "suggested_at": _iso(t.created_at),
            }
            for t in Topic.objects.filter(suggested_by=user).select_related("round", "merged_into")
        ],
        "topics_backed": [
            s.topic.title for s in TopicSupport.objects.filter(user=user).select_related("topic")
        ],
    }


def erase_voting(user: User) -> None:
    """Unlink the member from their ballots, suggestions and support: the ballots still
    count (open rounds keep them, stored results never change), the topics stay, and
    nothing says any more who was behind them."""
    Ballot.objects.filter(user=user).update(user=None)
    Topic.objects.filter(suggested_by=user).update(suggested_by=None)
    TopicSupport.objects.filter(user=user).update(user=None)
