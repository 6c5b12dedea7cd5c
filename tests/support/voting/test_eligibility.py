"""Who may vote: the matrix of membership states, tiers and patron age, read from the
membership history at the moment of the ballot (never from the current membership row)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import Membership
from support.models import Ballot
from support.voting.ballots import BallotRefused, ballot_cast
from support.voting.eligibility import (
    ELIGIBLE,
    INACTIVE,
    NOT_ENTITLED,
    TIER,
    TOO_NEW,
    eligibility_for,
    eligible_member_batches,
)
from tests.billing.factories import MembershipFactory, TierFactory
from tests.members.factories import UserFactory

from .helpers import DAY, a_round, change, patron, topic_ids

pytestmark = pytest.mark.django_db


def _member_with(
    *steps: tuple[str, float, bool, str], tier: object = None, source: str = "webhook"
):
    """A member whose one membership went through `steps`: (kind, days ago, entitled after,
    status after)."""
    member = UserFactory()
    membership = MembershipFactory(user=member, tier=tier or TierFactory(), status=steps[-1][3])
    for kind, days_ago, entitled, status in steps:
        change(membership, kind, timezone.now() - days_ago * DAY, entitled=entitled,
               status=status, source=source)  # fmt: skip
    return member


@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        pytest.param([("started", 30, True, "active")], ELIGIBLE, id="active-30-days"),
        pytest.param([("started", 30, True, "trialing")], ELIGIBLE, id="trialing"),
        pytest.param(
            [("started", 30, True, "active"), ("past_due", 2, True, "past_due")],
            ELIGIBLE,
            id="past-due-in-grace",
        ),
        pytest.param(
            [("started", 30, True, "active"), ("lapsed", 2, False, "unpaid")],
            NOT_ENTITLED,
            id="unpaid",
        ),
        pytest.param(
            [("started", 30, True, "active"), ("paused", 3, False, "active")],
            NOT_ENTITLED,
            id="paused",
        ),
        pytest.param(
            [("started", 30, True, "active"), ("ended", 1, False, "canceled")],
            NOT_ENTITLED,
            id="ended",
        ),
        pytest.param(
            [("started", 30, True, "active"), ("cancel_scheduled", 5, True, "active")],
            ELIGIBLE,
            id="cancel-scheduled-still-entitled",
        ),
        pytest.param([("started", 6.9, True, "active")], TOO_NEW, id="six-days-a-patron"),
        pytest.param([("started", 7.01, True, "active")], ELIGIBLE, id="seven-days"),
        pytest.param(
            # Paused 20 days ago, resumed 3 days ago: the stretch restarts at the resume.
            [
                ("started", 40, True, "active"),
                ("paused", 20, False, "active"),
                ("resumed", 3, True, "active"),
            ],
            TOO_NEW,
            id="a-gap-restarts-the-clock",
        ),
    ],
)
def test_the_eligibility_matrix(steps: list, reason: str) -> None:
    rnd = a_round()
    member = _member_with(*steps)
    assert eligibility_for(rnd=rnd, user_id=member.pk).reason == reason
    ids = [u for batch in eligible_member_batches(rnd=rnd) for u in batch]
    assert (member.pk in ids) is (reason == ELIGIBLE)


def test_never_a_patron_and_a_one_time_gift_do_not_vote() -> None:
    rnd = a_round()
    assert eligibility_for(rnd=rnd, user_id=UserFactory().pk).reason == NOT_ENTITLED


def test_the_current_membership_row_is_not_what_counts() -> None:
    """The row says active, the history says it ended: the history wins (and the other way
    round)."""
    rnd = a_round()
    ended = _member_with(("started", 30, True, "active"), ("ended", 1, False, "canceled"))
    Membership.objects.filter(user=ended).update(status="active")
    assert eligibility_for(rnd=rnd, user_id=ended.pk).reason == NOT_ENTITLED
    active = patron(days=30)
    Membership.objects.filter(user=active).update(status="canceled")
    assert eligibility_for(rnd=rnd, user_id=active.pk).reason == ELIGIBLE


def test_tiers_allowed_by_the_round() -> None:
    insider, reader = TierFactory(name="Insider"), TierFactory(name="Reader")
    rnd = a_round(allowed_tier_ids=[insider.pk])
    yes = patron(days=30, tier=insider)
    no = patron(days=30, tier=reader)
    assert eligibility_for(rnd=rnd, user_id=yes.pk).reason == ELIGIBLE
    assert eligibility_for(rnd=rnd, user_id=no.pk).reason == TIER
    assert [u for b in eligible_member_batches(rnd=rnd) for u in b] == [yes.pk]


def test_an_upgrade_counts_its_new_tier_and_keeps_the_stretch() -> None:
    insider, reader = TierFactory(name="Insider"), TierFactory(name="Reader")
    rnd = a_round(allowed_tier_ids=[insider.pk])
    member = UserFactory()
    membership = MembershipFactory(user=member, tier=reader)
    change(membership, "started", timezone.now() - 30 * DAY, entitled=True)
    membership.tier = insider
    membership.save()
    change(membership, "upgraded", timezone.now() - 1 * DAY, entitled=True, entitled_before=True)
    assert eligibility_for(rnd=rnd, user_id=member.pk).reason == ELIGIBLE


def test_a_patron_age_of_zero_lets_a_new_patron_vote_and_the_refusal_says_when() -> None:
    strict, open_to_all = a_round(), a_round(min_patron_days=0)
    member = patron(days=2)
    too_new = eligibility_for(rnd=strict, user_id=member.pk)
    assert too_new.reason == TOO_NEW
    assert abs(too_new.eligible_from - (timezone.now() + 5 * DAY)) < timedelta(minutes=1)
    assert eligibility_for(rnd=open_to_all, user_id=member.pk).reason == ELIGIBLE


def test_comps_count_through_the_history_like_any_membership() -> None:
    """Comps do not exist yet; when staff grant one, billing writes it into the history
    (source "staff"), and eligibility asks only the history, so it counts like a paid one."""
    rnd = a_round()
    comped = _member_with(("started", 10, True, "active"), source="staff")
    assert eligibility_for(rnd=rnd, user_id=comped.pk).reason == ELIGIBLE


def test_a_deactivated_account_does_not_vote() -> None:
    rnd = a_round()
    member = patron(days=30)
    member.is_active = False
    member.save()
    assert eligibility_for(rnd=rnd, user_id=member.pk).reason == INACTIVE


def test_eligibility_is_checked_when_the_ballot_is_cast() -> None:
    """Pay, vote, cancel does not work: a member too new is refused, and one whose membership
    ended is refused at the moment they try."""
    rnd = a_round()
    new = patron(days=1)
    with pytest.raises(BallotRefused) as refused:
        ballot_cast(rnd=rnd, user_id=new.pk, topic_ids=topic_ids(rnd)[:1])
    assert refused.value.code == TOO_NEW
    assert "7 days" in str(refused.value)
    gone = _member_with(("started", 30, True, "active"), ("ended", 0.01, False, "canceled"))
    with pytest.raises(BallotRefused) as refused:
        ballot_cast(rnd=rnd, user_id=gone.pk, topic_ids=topic_ids(rnd)[:1])
    assert refused.value.code == NOT_ENTITLED
    assert Ballot.objects.count() == 0


def test_keyset_batches_cover_every_eligible_member_once() -> None:
    rnd = a_round()
    members = [patron(days=30) for _ in range(7)]
    patron(days=1)  # too new
    batches = list(eligible_member_batches(rnd=rnd, batch=3))
    assert [u for b in batches for u in b] == sorted(m.pk for m in members)
    resumed = [u for b in eligible_member_batches(rnd=rnd, batch=3, after=members[3].pk) for u in b]
    assert resumed == sorted(m.pk for m in members)[4:]
