"""Comps and gifts: entitled until their date, never charged, not in MRR, written to the history,
ended on time; the rules for Stripe subscriptions leave them alone (issue 13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.grants import grant_end, grant_start, grants_expire
from billing.memberships import _keep_one_charging
from billing.models import Membership, MembershipChange
from billing.selectors import entitled_member_ids, entitlement_for, membership_current_for
from tests.billing.factories import MembershipFactory, TierFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_comp_is_entitled_until_its_date_and_adds_no_revenue() -> None:
    member = UserFactory()
    tier = TierFactory()
    until = timezone.now() + timedelta(days=30)
    comp = grant_start(user=member, tier=tier, kind="comp", until=until, note="Press pass")
    assert (comp.kind, comp.status, comp.amount, comp.stripe_subscription_id) == (
        "comp", "active", 0, None,
    )  # fmt: skip
    assert comp.is_entitled
    assert not comp.may_charge
    assert not comp.blocks_checkout
    [started] = MembershipChange.objects.filter(membership=comp)
    assert (started.kind, started.source, started.entitled_after, started.mrr_delta) == (
        "started", "staff", True, 0,
    )  # fmt: skip
    entitlement = entitlement_for(user_id=member.pk)
    assert entitlement.entitled
    assert entitlement.tier_ids == {tier.pk}
    assert [i for batch in entitled_member_ids() for i in batch] == [member.pk]
    assert membership_current_for(user=member) == comp

    assert grants_expire(now=until - timedelta(seconds=1)) == 0
    assert grants_expire(now=until + timedelta(minutes=5)) == 1
    comp.refresh_from_db()
    assert (comp.status, comp.ended_at) == ("canceled", until)
    ended = MembershipChange.objects.get(membership=comp, kind="ended")
    assert (ended.occurred_at, ended.entitled_after, ended.cancellation_reason) == (
        until, False, "expired",
    )  # fmt: skip
    assert not entitlement_for(user_id=member.pk).entitled
    assert grant_end(membership=comp) is False  # ended once
    assert grants_expire(now=until + timedelta(days=1)) == 0


def test_a_grant_sits_beside_a_paid_membership_and_the_rules_ignore_it() -> None:
    member = UserFactory()
    grant_start(
        user=member, tier=TierFactory(), kind="gift", until=timezone.now() + timedelta(days=90)
    )
    # The recipient chooses to pay too: allowed, and no rule ends either.
    paid = MembershipFactory(user=member, status="active")
    assert _keep_one_charging(user=member, membership=paid) == []
    assert Membership.objects.filter(user=member).may_charge().get() == paid
    assert membership_current_for(user=member) == paid
    with pytest.raises(IntegrityError), transaction.atomic():  # a grant has no Stripe id
        MembershipFactory(user=member, kind="comp", status="canceled")


def test_a_grant_must_end_in_the_future() -> None:
    with pytest.raises(ValueError, match="future"):
        grant_start(user=UserFactory(), tier=TierFactory(), kind="comp", until=timezone.now())


def test_my_support_shows_a_grant_without_a_payment_button() -> None:
    from django.test import Client

    member = UserFactory()
    until = timezone.now() + timedelta(days=40)
    grant_start(user=member, tier=TierFactory(name="Insider"), kind="gift", until=until)
    client = Client()
    client.force_login(member)
    page = client.get("/account/support/").content.decode()
    assert "A gift" in page
    assert f"{timezone.localtime(until):%-d %B %Y}" in page
    for button in ("Change my support", "Update card", "Pause my payments", "Cancel my support"):
        assert button not in page
