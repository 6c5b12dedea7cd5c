"""One membership per member may still charge; which one is kept; and the Stripe commands that
end the other, surviving a lost answer (issue 9, items 1 and 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from billing import gateway
from billing.memberships import _keep_one_charging
from billing.models import Membership, MembershipChange, Payment, StripeCommand
from members.models import OutboundEmail
from tests.billing.factories import MembershipFactory
from tests.billing.money_path import become_patron, drain, signed_in, start_checkout
from tests.members.factories import UserFactory

FAILS_AT_RENEWAL = "4000000000000341"


def _lapse(control: object) -> Membership:
    """Move the clock past the first renewal, which the card fails: the member is past due."""
    control.advance(days=32)  # type: ignore[attr-defined]
    drain(control)
    membership = Membership.objects.get()
    assert membership.status == "past_due"
    return membership


@pytest.mark.django_db(transaction=True)
@pytest.mark.stripe
@pytest.mark.worker
def test_past_due_member_who_pays_again_logged_out_keeps_the_new_membership(
    stripe_stand_in: object,
) -> None:
    _client, member, _session = become_patron(stripe_stand_in, card=FAILS_AT_RENEWAL)
    old = _lapse(stripe_stand_in)
    assert old.is_entitled  # past due stays entitled while Stripe retries

    # Logged out, the member pays again with the same address (a new Stripe Customer).
    session = start_checkout(Client(), tier="insider")
    stripe_stand_in.pay_checkout_session(  # type: ignore[attr-defined]
        session.stripe_session_id, email=member.email.upper()
    )
    drain(stripe_stand_in)

    new = Membership.objects.get(tier__slug="insider")
    assert (new.user, new.status, new.end_requested) == (member, "active", "")
    paid = Payment.objects.get(membership=new)
    assert (paid.amount, paid.amount_refunded, paid.status) == (1200, 0, "paid")
    old.refresh_from_db()
    assert (old.status, old.end_requested) == ("canceled", "replaced")
    assert gateway.subscription_retrieve(subscription_id=old.stripe_subscription_id)["status"] == (
        "canceled"
    )
    assert list(StripeCommand.objects.values_list("kind", "target", "status")) == [
        ("cancel_subscription", old.stripe_subscription_id, "done")
    ]
    # Not a goodbye: the member still supports us.
    assert not OutboundEmail.objects.filter(kind="membership_ended").exists()
    assert Membership.objects.filter(user=member).may_charge().get() == new


@pytest.mark.django_db(transaction=True)
@pytest.mark.stripe
@pytest.mark.worker
def test_a_lapsed_member_may_check_out_again_and_one_in_good_standing_may_not(
    stripe_stand_in: object,
) -> None:
    client, member, _session = become_patron(stripe_stand_in, card=FAILS_AT_RENEWAL)
    refused = client.post(
        "/support/checkout/", {"tier": "insider", "currency": "eur", "interval": "month"}
    )
    assert refused.status_code == 400
    assert "You already support us" in refused.content.decode()

    old = _lapse(stripe_stand_in)
    session = start_checkout(client, tier="insider")  # past due: allowed now
    stripe_stand_in.pay_checkout_session(session.stripe_session_id)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    old.refresh_from_db()
    assert (old.status, old.end_requested) == ("canceled", "replaced")
    assert Membership.objects.get(user=member, status="active").tier.slug == "insider"


@pytest.mark.django_db(transaction=True)
@pytest.mark.stripe
@pytest.mark.worker
def test_a_duplicate_whose_refund_answer_is_lost_is_refunded_exactly_once(
    stripe_stand_in: object, stripe_proxy: object
) -> None:
    client, _member = signed_in()
    first = start_checkout(client, tier="reader")
    second = start_checkout(client, tier="insider")
    stripe_stand_in.pay_checkout_session(first.stripe_session_id)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    # The refund reaches Stripe, but its answer is lost: three times, which is every try of
    # one gateway call (the library retries twice), after the cancel went through.
    stripe_proxy.lose_answers("POST", "/v1/refunds", times=3)  # type: ignore[attr-defined]
    stripe_stand_in.pay_checkout_session(second.stripe_session_id)  # type: ignore[attr-defined]
    drain(stripe_stand_in)

    duplicate = Membership.objects.get(tier__slug="insider")
    assert (duplicate.status, duplicate.end_requested) == ("canceled", "duplicate")
    cancel = StripeCommand.objects.get(kind="cancel_subscription")
    refund_command = StripeCommand.objects.get(kind="refund_invoice")
    assert refund_command.depends_on == cancel  # the refund waits for the cancel
    assert (cancel.status, refund_command.status) == ("done", "done")
    assert cancel.done_at < refund_command.done_at
    assert refund_command.attempts == 2  # the first attempt saw no answer; the retry did
    # Three answers lost (the refund was made at the first); the retry finds it refunded.
    assert stripe_proxy.calls("POST", "/v1/refunds") == [0, 0, 0]  # type: ignore[attr-defined]
    deletes = stripe_proxy.calls("DELETE", "/v1/subscriptions/")  # type: ignore[attr-defined]
    assert deletes == [200]
    payment = Payment.objects.get(membership=duplicate)
    charge = gateway.charge_retrieve(charge_id=payment.stripe_charge_id)
    assert [r["amount"] for r in charge["refunds"]["data"]] == [1200]  # one refund at Stripe
    assert (payment.amount_refunded, payment.status) == (1200, "refunded")
    assert Membership.objects.get(tier__slug="reader").status == "active"
    kinds = set(OutboundEmail.objects.values_list("kind", flat=True))
    assert "membership_ended" not in kinds
    # Our own cancel is not churn: the history says why it ended.
    ended = duplicate.history.get(kind="ended")
    assert (ended.cancellation_reason, ended.voluntary) == ("duplicate", None)
    assert OutboundEmail.objects.filter(kind="welcome").count() == 1


# --- The rule itself, over every pair of states (no Stripe needed: it only decides) --------


def _membership(user: object, status: str, days_old: int) -> Membership:
    return MembershipFactory(
        user=user,
        status=status,
        started_at=timezone.now() - timedelta(days=days_old),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("new_status", "other_status", "ended", "why"),
    [
        ("active", "active", "new", "duplicate"),  # a double purchase: the newer goes
        ("active", "trialing", "new", "duplicate"),
        ("active", "past_due", "other", "replaced"),  # the member paid again
        ("active", "incomplete", "other", "replaced"),
        ("active", "paused", "other", "replaced"),
        ("active", "unpaid", "other", "replaced"),  # not charging, but left open at Stripe
        ("past_due", "active", "new", "replaced"),
        ("past_due", "paused", "other", "replaced"),  # both lapsed: the older goes
        ("incomplete", "active", None, None),  # its first payment is not made: no decision
        ("incomplete", "past_due", None, None),
        ("past_due", "unpaid", None, None),  # nothing to decide while neither is good
        ("active", "canceled", None, None),
        ("canceled", "active", None, None),
    ],
)
def test_which_membership_is_kept(
    new_status: str, other_status: str, ended: str | None, why: str | None
) -> None:
    user = UserFactory()
    other = _membership(user, other_status, days_old=100)
    new = MembershipFactory.build(
        user=user, status=new_status, started_at=timezone.now(), stripe_subscription_id="sub_new"
    )
    to_end = _keep_one_charging(user=user, membership=new)
    expected = {"new": [new], "other": [other], None: []}[ended]
    assert [m.stripe_subscription_id for m in to_end] == [
        m.stripe_subscription_id for m in expected
    ]
    if why:
        assert to_end[0].end_requested == why
    other.refresh_from_db()
    assert other.end_requested == (why if ended == "other" else "")


@pytest.mark.django_db
def test_the_database_refuses_a_second_membership_that_may_charge() -> None:
    user = UserFactory()
    MembershipFactory(user=user, status="past_due")
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(user=user, status="paused")
    MembershipFactory(user=user, status="unpaid")  # may not charge: allowed
    MembershipFactory(user=user, status="incomplete")  # not paid yet: allowed
    MembershipFactory(user=user, status="active", end_requested="duplicate")  # being ended
    assert Membership.objects.filter(user=user).may_charge().count() == 1
    assert not MembershipChange.objects.exists()
