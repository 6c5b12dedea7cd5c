"""Demo data for voting (`make run`): a closed round with published results and an article
that covered its winner, and an open round with ballots and a suggestion waiting for review.

Ballots go through `ballot_cast`, which checks eligibility against the membership history:
the demo voters' history comes from billing's clearly named demo-only seeding (patrons for
60 days, no Stripe behind them), and the open round's minimum patron age is 0 days, so
ana@ and ben@, who pay through the stand-in when `make run` starts, may vote at once.
Idempotent: rounds are found by their slug.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from billing.demo import seed_demo_only_patron_history
from members.selectors import members_with_permission
from members.services import user_get_or_create_for_email

from .models import Round, Topic
from .voting import rounds
from .voting.ballots import ballot_cast
from .voting.topics import topic_article_link, topic_propose, topic_suggest

if TYPE_CHECKING:
    from members.models import User

OPEN_SLUG = "what-next"
CLOSED_SLUG = "autumn-vote"
VOTERS = 24

OPEN_TOPICS = [
    ("Who owns the harbour's empty warehouses?", "The shell companies behind 40 vacant lots."),
    ("Why do night buses stop at midnight?", "The budget decision nobody voted on."),
    ("Rents in student housing", "Three landlords, one price list."),
    ("The river clean-up money", "Where the €12 million went."),
]  # fmt: skip
CLOSED_TOPICS = [
    ("Hospital waiting lists", "How long, and why, ward by ward."),
    ("The stadium deal", "What the city promised, and what it got."),
    ("School meals", "Who cooks, who pays, who checks."),
    ("Cycle lanes that end nowhere", "A map of the gaps."),
]  # fmt: skip


def demo_voters() -> list[User]:
    voters = []
    for n in range(1, VOTERS + 1):
        user, _created = user_get_or_create_for_email(
            email=f"voter{n:02d}@example.org", display_name=f"Demo Voter {n:02d}"
        )
        voters.append(user)
    seed_demo_only_patron_history(users=voters, days=60)
    return voters


def _editor() -> User | None:
    editors = members_with_permission(permission="support.manage_voting")
    return editors[0] if editors else None


def _new_round(slug: str, *, title: str, question: str, topics: list, **fields: object) -> Round:
    now = timezone.now()
    rnd = rounds.round_create(
        fields={
            "title": title, "slug": slug, "question": question, "description": "",
            "opens_at": now - timedelta(minutes=1), "closes_at": now + timedelta(days=13),
            **fields,
        }
    )  # fmt: skip
    for title_, summary in topics:
        topic_propose(rnd=rnd, title=title_, summary=summary, editor=_editor())
    return rnd


def _cast(rnd: Round, voters: list[User], seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - demo ballots, reproducible on purpose
    ids = list(Topic.objects.filter(round=rnd, status="approved").values_list("pk", flat=True))
    for voter in voters:
        # The first topics are the popular ones, so the results have a shape.
        order = sorted(ids, key=lambda t: rng.random() * (1 + ids.index(t)))
        ballot_cast(
            rnd=rnd, user_id=voter.pk, topic_ids=order[: rng.randint(1, rnd.choices_allowed)]
        )


def seed_closed_round(voters: list[User]) -> Round:
    existing = Round.objects.filter(slug=CLOSED_SLUG).first()
    if existing is not None:
        return existing
    rnd = _new_round(
        CLOSED_SLUG,
        title="Autumn: what should we dig into?",
        question="Rank the stories you want most.",
        topics=CLOSED_TOPICS,
        method=Round.Method.RANKED,
        max_choices=3,
        min_patron_days=7,
    )
    with transaction.atomic():
        # As if it had opened on time three weeks ago (its invitations went out then).
        Round.objects.filter(pk=rnd.pk).update(
            status=Round.Status.OPEN, opens_at=timezone.now() - timedelta(days=21)
        )
    rnd.refresh_from_db()
    _cast(rnd, voters, seed=7)
    # Demo only: the vote's time is up. Real rounds are closed by the beat task on time.
    Round.objects.filter(pk=rnd.pk).update(closes_at=timezone.now() - timedelta(days=7))
    rnd.refresh_from_db()
    rounds.round_close(rnd=rnd)
    rounds.round_publish(rnd=rnd)
    winner = Topic.objects.get(pk=rnd.result.tally["winner"])
    editor = _editor()
    if editor is not None:
        topic_article_link(
            topic=winner,
            url="https://news.example.org/investigations/waiting-lists",
            title=f"{winner.title}: what we found",
            editor=editor,
        )
    return rnd


def seed_open_round(voters: list[User]) -> Round:
    rnd = Round.objects.filter(slug=OPEN_SLUG).first()
    if rnd is None:
        rnd = _new_round(
            OPEN_SLUG,
            title="What should we investigate next?",
            question="Choose up to two stories you want our reporters on this winter.",
            topics=OPEN_TOPICS,
            method=Round.Method.APPROVAL,
            max_choices=2,
            # The demo's own patrons (ana@, ben@) pay when `make run` starts: let them vote.
            min_patron_days=0,
        )
        rounds.round_schedule(rnd=rnd)
        rounds.round_open(rnd=rnd)
        rnd.refresh_from_db()
        _cast(rnd, voters[: VOTERS * 2 // 3], seed=11)
        topic_suggest(
            rnd=rnd,
            user=voters[-1],
            title="Why is the ferry late every Monday?",
            summary="Six months of timetables against what actually sails.",
        )
    elif not rnd.is_open:
        # Keep the demo round open however old the demo database is.
        now = timezone.now()
        Round.objects.filter(pk=rnd.pk).update(
            status=Round.Status.OPEN, opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=13),
        )  # fmt: skip
        rnd.refresh_from_db()
    return rnd


def seed_voting() -> tuple[Round, Round]:
    voters = demo_voters()
    return seed_closed_round(voters), seed_open_round(voters)
