"""Nightly reconciliation repairs what the webhooks missed and reports it to finance (issue 13).
Real stand-in, worker, PostgreSQL and Redis; the webhook is "dropped" by holding it at the
stand-in and never releasing it."""

from __future__ import annotations

import pytest
from django.test import Client

from billing.models import Membership, MembershipChange, Payment, ReconciliationRun
from billing.reconciliation import reconcile
from tests.billing.money_path import become_patron, drain, signed_in, start_checkout
from tests.members.factories import UserFactory
from tests.utils import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe, pytest.mark.worker]


def test_reconciliation_repairs_dropped_webhooks_and_drift(stripe_stand_in: object) -> None:
    become_patron(stripe_stand_in)  # a membership we know of
    known = Membership.objects.get()
    # A missed change: our copy says past due while Stripe says active.
    Membership.objects.filter(pk=known.pk).update(status="past_due")

    # A reader pays while every webhook to us is dropped.
    client, member = signed_in()
    session = start_checkout(client, tier="insider")
    stripe_stand_in.hold_webhooks()  # type: ignore[attr-defined]
    stripe_stand_in.pay_checkout_session(session.stripe_session_id)  # type: ignore[attr-defined]
    assert not Membership.objects.filter(user=member).exists()

    run = reconcile()
    assert run.error == ""
    assert run.events_replayed >= 5  # checkout, subscription, invoice, payment events
    assert run.subscriptions_checked == 2
    drift = {(d["subscription"], d["field"]): (d["ours"], d["stripe"]) for d in run.drift}
    assert drift[(known.stripe_subscription_id, "status")] == ("past_due", "active")
    wait_for(lambda: Payment.objects.filter(user=member).exists(), timeout=60)
    drain(stripe_stand_in)
    known.refresh_from_db()
    assert known.status == "active"
    new = Membership.objects.get(user=member)
    assert (new.status, new.tier.slug) == ("active", "insider")
    assert MembershipChange.objects.filter(membership=new, kind="started").exists()

    again = reconcile()  # nothing left to repair; replayed events are duplicates now
    assert (again.repaired, again.events_replayed, again.drift) == (0, 0, [])


def test_finance_sees_the_report_and_staff_do_not() -> None:
    ReconciliationRun.objects.create(
        subscriptions_checked=3,
        repaired=1,
        drift=[
            {"subscription": "sub_x", "field": "status", "ours": "past_due", "stripe": "active"}
        ],
    )
    finance = Client()
    finance.force_login(UserFactory(roles=["finance"]))
    page = finance.get("/staff/reconciliation/")
    assert page.status_code == 200
    assert "sub_x" in page.content.decode()
    staff = Client()
    staff.force_login(UserFactory(roles=["staff"]))
    assert staff.get("/staff/reconciliation/").status_code == 403
    reader = Client()
    reader.force_login(UserFactory())
    assert reader.get("/staff/reconciliation/").status_code == 403


def test_a_change_whose_events_are_lost_for_good_reaches_the_history(
    stripe_stand_in: object,
) -> None:
    from datetime import UTC, datetime, timedelta

    from billing import gateway

    become_patron(stripe_stand_in)
    membership = Membership.objects.get()
    stripe_stand_in.hold_webhooks()  # type: ignore[attr-defined]
    gateway.subscription_cancel(subscription_id=membership.stripe_subscription_id)
    # Run as if days had passed: the `deleted` event is older than the replay window.
    later = datetime.fromtimestamp(stripe_stand_in.now(), tz=UTC) + timedelta(days=4)  # type: ignore[attr-defined]
    run = reconcile(now=later)
    assert run.events_replayed == 0
    membership.refresh_from_db()
    assert membership.status == "canceled"
    ended = membership.history.get(kind="ended")
    assert (ended.source, ended.mrr_delta) == ("reconciliation", -500)
    at_stripe = gateway.subscription_retrieve(subscription_id=membership.stripe_subscription_id)
    assert ended.occurred_at == datetime.fromtimestamp(at_stripe["ended_at"], tz=UTC)
    assert {d["field"] for d in run.drift} >= {"status", "history"}
    assert reconcile(now=later).drift == []  # repaired once
