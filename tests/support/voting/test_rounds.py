"""A round's life: draft -> scheduled -> open -> closed -> published, on time by the beat
task (idempotent), extended but never shortened, its result computed once at the close."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from billing.models import Membership
from support.models import Ballot, Mailing, Round, RoundResult
from support.voting import rounds
from support.voting.ballots import ballot_cast
from support.voting.rounds import RoundRefused, rounds_tick
from support.voting.tally import lot_loser

from .helpers import DAY, a_round, change, patron, topic_ids

pytestmark = pytest.mark.django_db


def test_beat_runs_the_tick_every_half_minute() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["voting-rounds-tick"]
    assert entry == {"task": "support.voting.tasks.rounds_tick", "schedule": 30.0}
    from support.voting.tasks import rounds_tick as task

    assert task.name == entry["task"]


def test_scheduling_needs_two_topics_and_a_future_close() -> None:
    rnd = a_round(status=Round.Status.DRAFT, topics=1)
    with pytest.raises(RoundRefused, match="two topics"):
        rounds.round_schedule(rnd=rnd)
    rnd.topics.create(title="Another", position=5)
    assert rounds.round_schedule(rnd=rnd).status == Round.Status.SCHEDULED
    with pytest.raises(RoundRefused):
        rounds.round_schedule(rnd=rnd)
    assert rounds.round_unschedule(rnd=rnd).status == Round.Status.DRAFT


def test_the_tick_opens_and_closes_on_time_once() -> None:
    now = timezone.now()
    opens = now - timedelta(seconds=10)
    rnd = a_round(status=Round.Status.SCHEDULED, opens_at=opens, closes_at=now + 3 * DAY)
    assert rounds_tick(now=opens - timedelta(seconds=30)).opened == 0
    assert rounds_tick(now=opens + timedelta(seconds=5)).opened == 1
    assert rounds_tick(now=opens + timedelta(seconds=35)).opened == 0
    rnd.refresh_from_db()
    assert rnd.status == Round.Status.OPEN
    assert Mailing.objects.filter(round=rnd, kind="invitation").count() == 1

    voter = patron()
    ballot_cast(rnd=rnd, user_id=voter.pk, topic_ids=topic_ids(rnd)[:1])
    close = rnd.closes_at
    assert rounds_tick(now=close - timedelta(seconds=1)).closed == 0
    assert rounds_tick(now=close + timedelta(seconds=20)).closed == 1
    assert rounds_tick(now=close + timedelta(minutes=1)).closed == 0
    rnd.refresh_from_db()
    assert rnd.status == Round.Status.CLOSED
    result = RoundResult.objects.get(round=rnd)
    assert (result.ballots, result.eligible) == (1, 1)
    assert result.tally["winner"] == topic_ids(rnd)[0]


def test_open_rounds_may_be_extended_never_shortened() -> None:
    rnd = a_round()
    later = rnd.closes_at + DAY
    assert rounds.round_extend(rnd=rnd, closes_at=later).closes_at == later
    with pytest.raises(RoundRefused, match="not shortened"):
        rounds.round_extend(rnd=rnd, closes_at=later - timedelta(hours=1))
    fields = {"closes_at": later - timedelta(hours=1)}
    with pytest.raises(RoundRefused, match="not shortened"):
        rounds.round_update(rnd=rnd, fields=fields)
    rnd.refresh_from_db()
    assert rnd.closes_at == later


def test_once_open_only_the_words_change() -> None:
    rnd = a_round()
    updated = rounds.round_update(rnd=rnd, fields={"title": "A better title", "method": "single"})
    assert updated.title == "A better title"
    for fields in ({"method": "approval"}, {"min_patron_days": 0}, {"opens_at": timezone.now()}):
        with pytest.raises(RoundRefused, match="rules stay"):
            rounds.round_update(rnd=rnd, fields=fields)
    draft = a_round(status=Round.Status.DRAFT)
    assert (
        rounds.round_update(rnd=draft, fields={"method": "approval", "max_choices": 2}).method
        == "approval"
    )


def test_results_are_published_only_after_the_close() -> None:
    rnd = a_round()
    with pytest.raises(RoundRefused):
        rounds.round_publish(rnd=rnd)
    rounds.round_close(rnd=rnd, now=rnd.closes_at)
    assert rounds.round_publish(rnd=rnd).status == Round.Status.PUBLISHED


def test_closing_counts_approval_and_ranked_ballots_and_stores_them_once() -> None:
    approval = a_round(method="approval", max_choices=2, topics=3)
    ranked = a_round(method="ranked", max_choices=3, topics=3)
    a1, a2, a3 = topic_ids(approval)
    r1, r2, r3 = topic_ids(ranked)
    voters = [patron() for _ in range(5)]
    for voter, choice in zip(voters, ([a1, a2], [a1], [a2, a3], [a1, a3], [a3]), strict=True):
        ballot_cast(rnd=approval, user_id=voter.pk, topic_ids=choice)
    for voter, choice in zip(voters, ([r1, r2], [r2, r1], [r3, r2], [r1], [r2, r3]), strict=True):
        ballot_cast(rnd=ranked, user_id=voter.pk, topic_ids=choice)
    patron()  # eligible, did not vote
    for rnd in (approval, ranked):
        assert rounds.round_close(rnd=rnd, now=rnd.closes_at, seed="s33d")
    result = RoundResult.objects.get(round=approval)
    loser = lot_loser([a1, a3], seed="s33d", round_number=1)  # a1 and a3 tie on 3
    winner = a1 if loser == a3 else a3
    assert result.tally["totals"] == [
        {"topic": winner, "votes": 3}, {"topic": loser, "votes": 3}, {"topic": a2, "votes": 2},
    ]  # fmt: skip
    assert result.tally["winner"] == winner
    assert result.tally["winner_by_lot"] is True
    assert (result.ballots, result.eligible, result.turnout) == (5, 6, 5 / 6)
    assert result.seed == "s33d"
    assert result.tie_rule.startswith("Ties for elimination are broken by fewer votes")
    assert [c["id"] for c in result.tally["candidates"]] == [a1, a2, a3]
    irv = RoundResult.objects.get(round=ranked)
    # Round 1: r1 2, r2 2, r3 1 -> r3 out, its ballot goes to r2: r2 3 of 5 wins.
    assert [(r["counts"], r["eliminated"]) for r in irv.tally["rounds"]] == [
        ({str(r1): 2, str(r2): 2, str(r3): 1}, r3),
        ({str(r1): 2, str(r2): 3}, None),
    ]
    assert irv.tally["winner"] == r2
    # Computed once: closing again changes nothing, later ballots are refused.
    assert rounds.round_close(rnd=ranked, now=ranked.closes_at + DAY) is False
    assert RoundResult.objects.filter(round=ranked).count() == 1


def test_turnout_counts_a_voter_whose_membership_lapsed_after_voting() -> None:
    rnd = a_round()
    voter = patron()
    ballot_cast(rnd=rnd, user_id=voter.pk, topic_ids=topic_ids(rnd)[:1])
    change(Membership.objects.get(user=voter), "ended", timezone.now(), entitled=False,
           status="canceled")  # fmt: skip
    patron()
    rounds.round_close(rnd=rnd, now=rnd.closes_at)
    result = RoundResult.objects.get(round=rnd)
    assert (result.ballots, result.eligible) == (1, 2)
    assert Ballot.objects.count() == 1


def test_reminders_start_a_day_before_the_close_once() -> None:
    rnd = a_round(opens_at=timezone.now() - 3 * DAY, closes_at=timezone.now() + 3 * DAY)
    assert rounds.round_remind(rnd=rnd, now=rnd.closes_at - timedelta(hours=25)) is False
    assert rounds.round_remind(rnd=rnd, now=rnd.closes_at - timedelta(hours=23)) is True
    assert rounds.round_remind(rnd=rnd, now=rnd.closes_at - timedelta(hours=22)) is False
    assert Mailing.objects.filter(round=rnd, kind="reminder").count() == 1
    short = a_round(opens_at=timezone.now(), closes_at=timezone.now() + timedelta(hours=20))
    assert rounds.reminder_due_at(short) is None
