"""Casting: one ballot per member and round (a unique constraint), changed until the close,
the choices checked against the method, weights by tier when the round says so, 50
concurrent submits, and ballots flagged for refunds and disputes during the round."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing.models import Dispute, Payment, Refund
from support.models import Ballot, Round
from support.voting.ballots import BallotRefused, ballot_cast, ballots_flag_reversals
from tests.billing.factories import TierFactory

from .helpers import a_round, patron, topic_ids

pytestmark = pytest.mark.django_db


def test_a_member_casts_then_changes_their_ballot() -> None:
    rnd = a_round()
    member = patron()
    first, second, _third = topic_ids(rnd)
    ballot = ballot_cast(rnd=rnd, user_id=member.pk, topic_ids=[first])
    assert (ballot.choices, ballot.changes, ballot.weight) == ([first], 0, 1)
    changed = ballot_cast(rnd=rnd, user_id=member.pk, topic_ids=[second])
    assert changed.pk == ballot.pk
    assert Ballot.objects.get().choices == [second]
    assert (changed.changes, changed.cast_at) == (1, ballot.cast_at)
    assert changed.changed_at > ballot.changed_at


def test_the_database_holds_one_ballot_per_member_and_round() -> None:
    rnd = a_round()
    member = patron()
    ballot_cast(rnd=rnd, user_id=member.pk, topic_ids=topic_ids(rnd)[:1])
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(round=rnd, user=member, choices=topic_ids(rnd)[:1],
                              cast_at=timezone.now(), changed_at=timezone.now())  # fmt: skip


@pytest.mark.parametrize(
    ("method", "max_choices", "pick", "ok"),
    [
        ("single", 1, [0], True),
        ("single", 1, [0, 1], False),
        ("approval", 2, [0, 2], True),
        ("approval", 2, [0, 1, 2], False),
        ("ranked", 3, [2, 0, 1], True),
        ("ranked", 2, [2, 0, 1], False),
        ("ranked", 3, [1, 1], False),
        ("approval", 2, [], False),
    ],
)
def test_choices_must_fit_the_method(method: str, max_choices: int, pick: list, ok: bool) -> None:
    rnd = a_round(method=method, max_choices=max_choices)
    ids = topic_ids(rnd)
    member = patron()
    choices = [ids[i] for i in pick]
    if ok:
        assert ballot_cast(rnd=rnd, user_id=member.pk, topic_ids=choices).choices == choices
    else:
        with pytest.raises(BallotRefused) as refused:
            ballot_cast(rnd=rnd, user_id=member.pk, topic_ids=choices)
        assert refused.value.code == "choices"
        assert not Ballot.objects.exists()


def test_topics_of_another_round_or_not_on_the_ballot_are_refused() -> None:
    rnd, other = a_round(), a_round()
    member = patron()
    with pytest.raises(BallotRefused):
        ballot_cast(rnd=rnd, user_id=member.pk, topic_ids=topic_ids(other)[:1])
    pending = rnd.topics.create(title="Waiting", status="pending", origin="member", position=9)
    with pytest.raises(BallotRefused):
        ballot_cast(rnd=rnd, user_id=member.pk, topic_ids=[pending.pk])
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Round.Status.SCHEDULED},
        {"status": Round.Status.CLOSED},
        # Open by status, but its close has passed (beat has not run yet): no more ballots.
        {
            "closes_at": timezone.now() - timedelta(seconds=1),
            "opens_at": timezone.now() - timedelta(days=2),
        },
    ],
)
def test_no_ballot_outside_the_open_round(fields: dict) -> None:
    rnd = a_round(**fields)
    with pytest.raises(BallotRefused) as refused:
        ballot_cast(rnd=rnd, user_id=patron().pk, topic_ids=topic_ids(rnd)[:1])
    assert refused.value.code == "closed"


def test_tier_weighting_uses_the_highest_tier_weight_and_is_off_by_default() -> None:
    reader, insider = TierFactory(name="Reader"), TierFactory(name="Insider")
    plain = a_round()
    weighted = a_round(tier_weighting=True, tier_weights={str(insider.pk): 3})
    member, other = patron(tier=insider), patron(tier=reader)
    assert ballot_cast(rnd=plain, user_id=member.pk, topic_ids=topic_ids(plain)[:1]).weight == 1
    assert (
        ballot_cast(rnd=weighted, user_id=member.pk, topic_ids=topic_ids(weighted)[:1]).weight == 3
    )
    assert (
        ballot_cast(rnd=weighted, user_id=other.pk, topic_ids=topic_ids(weighted)[:1]).weight == 1
    )


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submits_from_one_member_leave_exactly_one_ballot() -> None:
    rnd = a_round(method="ranked", max_choices=3)
    member = patron()
    ids = topic_ids(rnd)
    orders = [[ids[i % 3], ids[(i + 1) % 3], ids[(i + 2) % 3]] for i in range(50)]
    start = threading.Barrier(50)
    errors: list[BaseException] = []

    def submit(choices: list[int]) -> None:
        try:
            start.wait()
            ballot_cast(rnd=rnd, user_id=member.pk, topic_ids=choices)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(o,)) for o in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    ballot = Ballot.objects.get(round=rnd, user=member)
    # Every submit was applied, one after the other: the first created it, 49 changed it.
    assert ballot.changes == 49
    assert ballot.choices in orders


def _refund(member: object, at: object, status: str = "succeeded") -> Refund:
    payment = Payment.objects.create(
        user=member, kind="subscription", stripe_invoice_id=f"in_{member.pk}_{at:%s}",
        amount=500, currency="eur", paid_at=at - timedelta(days=20),
    )  # fmt: skip
    return Refund.objects.create(
        payment=payment, stripe_refund_id=f"re_{member.pk}_{at:%s}", amount=500,
        currency="eur", status=status, stripe_created=at,
    )  # fmt: skip


def test_a_refund_or_dispute_during_the_round_flags_the_ballot_once() -> None:
    now = timezone.now()
    rnd = a_round(opens_at=now - timedelta(days=2))
    refunded, disputed, earlier, failed, clean = (patron() for _ in range(5))
    for member in (refunded, disputed, earlier, failed, clean):
        ballot_cast(rnd=rnd, user_id=member.pk, topic_ids=topic_ids(rnd)[:1])
    _refund(refunded, now - timedelta(days=1))
    payment = _refund(disputed, now - timedelta(days=5)).payment  # refund before the round
    Dispute.objects.create(
        payment=payment, stripe_dispute_id="dp_1", stripe_charge_id="ch_1", amount=500,
        currency="eur", status="needs_response", stripe_created=now - timedelta(hours=3),
    )  # fmt: skip
    _refund(earlier, now - timedelta(days=3))  # before the round opened
    _refund(failed, now - timedelta(hours=1), status="failed")  # gave the money back: no
    assert ballots_flag_reversals(rnd=rnd) == 2
    flagged = dict(Ballot.objects.filter(flagged_at__isnull=False).values_list("user_id", "flag"))
    assert flagged == {refunded.pk: "refund", disputed.pk: "dispute"}
    assert ballots_flag_reversals(rnd=rnd) == 0  # once
