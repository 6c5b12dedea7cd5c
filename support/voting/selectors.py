"""Voting's reads, for its pages. Staff reads give totals and flags, never who chose what."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from members.models import User

from ..models import Ballot, Mailing, Round, RoundResult, Topic, TopicArticle
from .eligibility import Eligibility, eligibility_for
from .mailings import mailing_progress

PUBLIC_STATUSES = (Round.Status.SCHEDULED, Round.Status.OPEN, Round.Status.CLOSED,
                   Round.Status.PUBLISHED)  # fmt: skip


def round_public(*, slug: str) -> Round | None:
    """A round members may see (drafts are the editors' own)."""
    return Round.objects.filter(slug=slug, status__in=PUBLIC_STATUSES).first()


@dataclass
class VoteOverview:
    open: list[Round]
    upcoming: list[Round]
    results: list[Round]


def rounds_overview() -> VoteOverview:
    now = timezone.now()
    rounds = Round.objects.filter(status__in=PUBLIC_STATUSES).order_by("closes_at")
    return VoteOverview(
        open=[r for r in rounds if r.status == Round.Status.OPEN and r.closes_at > now],
        upcoming=[r for r in rounds if r.status == Round.Status.SCHEDULED],
        results=sorted(
            (r for r in rounds if r.status == Round.Status.PUBLISHED),
            key=lambda r: r.closes_at,
            reverse=True,
        ),
    )


def topics_on_ballot(*, rnd: Round) -> list[Topic]:
    return list(
        Topic.objects.filter(round=rnd, status=Topic.Status.APPROVED).order_by("position", "pk")
    )


def ballot_of(*, rnd: Round, user_id: int) -> Ballot | None:
    return Ballot.objects.filter(round=rnd, user_id=user_id).first()


def ballot_topics(*, ballot: Ballot | None) -> list[Topic]:
    """The member's own choices, in their order (for their own page only)."""
    if ballot is None:
        return []
    by_id = Topic.objects.in_bulk(ballot.choices)
    return [by_id[t] for t in ballot.choices if t in by_id]


def member_may_see_results(*, rnd: Round, user: User | Any) -> bool:
    """Published results: everyone, or (members-only rounds) patrons and the round's voters;
    editors see them from the close on their own pages."""
    if rnd.status != Round.Status.PUBLISHED:
        return False
    if rnd.results_visibility == Round.Visibility.PUBLIC:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if Ballot.objects.filter(round=rnd, user_id=user.pk).exists():
        return True
    return eligibility_for(rnd=rnd, user_id=user.pk).entitlement.entitled


def suggestions_of(*, user: User, rnd: Round | None = None) -> QuerySet[Topic]:
    topics = Topic.objects.filter(suggested_by=user).select_related("round", "merged_into")
    if rnd is not None:
        topics = topics.filter(round=rnd)
    return topics.order_by("-created_at")


def covered_topics() -> list[Topic]:
    """Topics with at least one article, newest coverage first, for "You asked, we
    reported"."""
    topics = (
        Topic.objects.filter(articles__isnull=False)
        .select_related("round")
        .prefetch_related(
            Prefetch("articles", queryset=TopicArticle.objects.order_by("-created_at"))
        )
        .distinct()
    )
    return sorted(topics, key=lambda t: t.articles.all()[0].created_at, reverse=True)


def ballots_cast_count(*, user: User) -> int:
    return Ballot.objects.filter(user=user).count()


# --- Staff -------------------------------------------------------------------------------


def rounds_for_staff() -> QuerySet[Round]:
    return Round.objects.annotate(
        ballot_count=Count("ballots", distinct=True),
        pending_count=Count("topics", filter=Q(topics__status=Topic.Status.PENDING), distinct=True),
    ).order_by("-opens_at")


@dataclass
class StaffRound:
    rnd: Round
    topics: list[Topic]
    ballots: int
    flagged: list[Ballot]
    mailings: list[tuple[Mailing, dict[str, Any]]]
    result: RoundResult | None
    supports: dict[int, int]


def round_for_staff(*, rnd: Round) -> StaffRound:
    """Everything the staff round page shows: topics and their backers, the number of
    ballots, flagged ballots (whose, and why; not what they chose), mailing progress."""
    topics = list(
        Topic.objects.filter(round=rnd).select_related("merged_into").order_by("position", "pk")
    )
    supports = dict(
        Topic.objects.filter(round=rnd).annotate(n=Count("supports")).values_list("pk", "n")
    )
    flagged = list(
        Ballot.objects.filter(round=rnd, flagged_at__isnull=False)
        .select_related("user")
        .only("pk", "round_id", "user__id", "user__email", "flag", "flag_event_at", "flagged_at")
        .order_by("flagged_at")
    )
    mailings = [
        (m, mailing_progress(m))
        for m in Mailing.objects.filter(round=rnd).select_related("topic").order_by("started_at")
    ]
    return StaffRound(
        rnd=rnd,
        topics=topics,
        ballots=Ballot.objects.filter(round=rnd).count(),
        flagged=flagged,
        mailings=mailings,
        result=RoundResult.objects.filter(round=rnd).first(),
        supports=supports,
    )


def moderation_queue() -> list[tuple[Topic, list[Topic], list[Topic]]]:
    """Suggestions waiting for review, oldest first, each with the similar topics of its
    round and the topics it may be merged into."""
    from .topics import similar_topics

    pending = Topic.objects.filter(status=Topic.Status.PENDING).select_related(
        "round", "suggested_by"
    )
    queue = []
    for topic in pending.order_by("created_at", "pk"):
        similar = [t for t in similar_topics(rnd=topic.round, text=topic.title) if t.pk != topic.pk]
        targets = list(
            Topic.objects.filter(round=topic.round, status=Topic.Status.APPROVED).order_by(
                "position"
            )
        )
        queue.append((topic, similar, targets))
    return queue


def eligibility_of(*, rnd: Round, user: User | Any) -> Eligibility | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return eligibility_for(rnd=rnd, user_id=user.pk)
