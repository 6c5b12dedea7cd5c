"""The membership history: one row per change, by Stripe's clock, the same ledger whatever order
the events arrive in, and entitlement read from it (issue 9, "Membership history")."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from billing import gateway
from billing.models import (
    CheckoutSession,
    Membership,
    MembershipChange,
    Payment,
    TierPrice,
    WebhookEvent,
)
from billing.selectors import entitled_member_ids, entitlement_for
from billing.stripe_values import from_unix
from tests.billing.factories import MembershipFactory
from tests.billing.money_path import become_patron, drain
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

LEDGER_FIELDS = (
    "kind", "occurred_at", "step", "status_before", "status_after", "tier_before__slug",
    "tier_after__slug", "amount_before", "amount_after", "currency", "interval_before",
    "interval_after", "paused_after", "cancel_scheduled_after", "entitled_before",
    "entitled_after", "mrr_before", "mrr_after", "mrr_delta", "cancellation_reason",
    "cancellation_feedback", "voluntary", "source_key",
)  # fmt: skip


def ledger() -> list[tuple]:
    return list(
        MembershipChange.objects.order_by(
            "membership__stripe_subscription_id", *LEDGER_ORDER
        ).values_list(*LEDGER_FIELDS)
    )


LEDGER_ORDER = ("occurred_at", "step", "kind")


def _a_year_of_changes(control: object) -> str:
    """A Reader patron renews, upgrades, schedules a cancellation, undoes it, then cancels."""
    client = gateway.client()
    _c, _member, _session = become_patron(control)
    sub_id = Membership.objects.get().stripe_subscription_id
    control.advance(days=31)  # type: ignore[attr-defined]  # a paid renewal
    # Stripe's clock has one-second steps: the next change comes later, as a person's would.
    control.advance(hours=1)  # type: ignore[attr-defined]
    sub = client.v1.subscriptions.retrieve(sub_id)
    price = TierPrice.objects.get(tier__slug="insider", currency="eur", interval="month")
    client.v1.subscriptions.update(
        sub_id,
        {
            "items": [{"id": sub["items"]["data"][0]["id"], "price": price.stripe_price_id}],
            "proration_behavior": "none",
        },
    )
    control.advance(hours=1)  # type: ignore[attr-defined]
    client.v1.subscriptions.update(
        sub_id,
        {"cancel_at_period_end": True, "cancellation_details": {"feedback": "too_expensive"}},
    )
    control.advance(hours=1)  # type: ignore[attr-defined]
    client.v1.subscriptions.update(sub_id, {"cancel_at_period_end": False})
    control.advance(days=3)  # type: ignore[attr-defined]
    client.v1.subscriptions.cancel(sub_id)
    drain(control)
    return sub_id


@pytest.mark.stripe
@pytest.mark.worker
def test_a_membership_life_is_written_once_by_stripes_clock(stripe_stand_in: object) -> None:
    sub_id = _a_year_of_changes(stripe_stand_in)
    rows = list(MembershipChange.objects.order_by(*LEDGER_ORDER))
    # Stripe may create a Checkout subscription as incomplete and activate it once paid, or
    # create it active: either way it starts when it first becomes active.
    assert rows[0].status_before in ("", "incomplete")
    assert [(r.kind, r.status_after, r.mrr_before, r.mrr_after, r.mrr_delta) for r in rows[:1]] + [
        (r.kind, r.status_before, r.status_after, r.mrr_before, r.mrr_after, r.mrr_delta)
        for r in rows[1:]
    ] == [
        ("started", "active", 0, 500, 500),
        ("renewed", "active", "active", 500, 500, 0),
        ("upgraded", "active", "active", 500, 1200, 700),
        ("cancel_scheduled", "active", "active", 1200, 1200, 0),
        ("cancel_undone", "active", "active", 1200, 1200, 0),
        ("ended", "active", "canceled", 1200, 0, -1200),
    ]
    started, renewed, upgraded, scheduled, _undone, ended = rows
    assert (upgraded.tier_before.slug, upgraded.tier_after.slug) == ("reader", "insider")
    assert (scheduled.cancellation_feedback, scheduled.voluntary) == ("too_expensive", True)
    assert (ended.cancellation_reason, ended.voluntary) == ("cancellation_requested", True)
    assert (started.entitled_after, ended.entitled_before, ended.entitled_after) == (
        True, True, False,
    )  # fmt: skip
    # Stripe's time, not ours: the renewal happened on the stand-in's clock, a month ahead.
    at_stripe = gateway.subscription_retrieve(subscription_id=sub_id)
    assert ended.occurred_at == from_unix(at_stripe["ended_at"])
    assert renewed.occurred_at - started.occurred_at >= timedelta(days=28)
    assert (
        renewed.source_key
        == Payment.objects.get(billing_reason="subscription_cycle").stripe_invoice_id
    )
    assert sum(r.mrr_delta for r in rows) == 0
    assert all(r.source == "webhook" for r in rows)

    # Every event once more: nothing new.
    count = MembershipChange.objects.count()
    for event_id in WebhookEvent.objects.values_list("stripe_id", flat=True):
        stripe_stand_in.redeliver(event_id)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert MembershipChange.objects.count() == count


def _a_failed_renewal_recovered(control: object) -> str:
    """A renewal fails; the member saves a new card in the portal, which pays the invoice:
    the recovery and the paid renewal happen in the same second at Stripe."""
    become_patron(control, card="4000000000000341")
    control.advance(days=32)  # type: ignore[attr-defined]
    drain(control)
    membership = Membership.objects.get()
    portal = gateway.portal_session_create(
        customer_id=membership.stripe_customer_id, return_url="http://example.org/"
    )
    browser = requests.Session()
    browser.trust_env = False
    saved = browser.post(
        portal["url"],
        data={"action": "update_card", "card_number": "4242424242424242",
              "expiry": "12 / 34", "cvc": "123", "name": "Ana"},
        timeout=10,
    )  # fmt: skip
    assert saved.status_code == 200
    drain(control)
    return membership.stripe_subscription_id


SCENARIOS = {
    "a year of changes": (_a_year_of_changes, 6),
    "a failed renewal recovered": (_a_failed_renewal_recovered, 4),
}


@pytest.mark.stripe
@pytest.mark.worker
@pytest.mark.parametrize(
    ("scenario", "seed"), [(name, seed) for name in SCENARIOS for seed in (1, 2)]
)
def test_a_shuffled_history_gives_the_same_ledger(
    stripe_stand_in: object, scenario: str, seed: int
) -> None:
    make, rows = SCENARIOS[scenario]
    make(stripe_stand_in)
    in_order = ledger()
    assert len(in_order) == rows

    # A fresh start on our side (the accounts stay), then Stripe's events again in another
    # order, each delivered twice.
    events = list(WebhookEvent.objects.values_list("stripe_id", flat=True))
    MembershipChange.objects.all().delete()
    Payment.objects.all().delete()
    Membership.objects.all().delete()
    WebhookEvent.objects.all().delete()
    CheckoutSession.objects.all().delete()
    random.Random(seed).shuffle(events)
    for event_id in events + events[::-1]:
        stripe_stand_in.redeliver(event_id)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert ledger() == in_order


@pytest.mark.stripe
@pytest.mark.worker
def test_a_recovery_and_its_renewal_in_one_second_are_ordered_by_kind(
    stripe_stand_in: object,
) -> None:
    _a_failed_renewal_recovered(stripe_stand_in)
    rows = list(MembershipChange.objects.order_by(*LEDGER_ORDER))
    assert [(r.kind, r.status_before, r.status_after, r.mrr_delta) for r in rows] == [
        ("started", rows[0].status_before, "active", 500),
        ("past_due", "active", "past_due", 0),
        ("recovered", "past_due", "active", 0),
        ("renewed", "active", "active", 0),
    ]
    assert rows[2].occurred_at == rows[3].occurred_at  # same second at Stripe


def test_a_failed_renewal_is_past_due_then_ends_involuntarily(stripe_stand_in: object) -> None:
    become_patron(stripe_stand_in, card="4000000000000341")
    stripe_stand_in.advance(days=60)  # type: ignore[attr-defined]  # every retry fails
    drain(stripe_stand_in)
    rows = list(MembershipChange.objects.order_by(*LEDGER_ORDER))
    assert [(r.kind, r.status_after, r.mrr_delta, r.voluntary) for r in rows] == [
        ("started", "active", 500, None),
        ("past_due", "past_due", 0, None),
        ("ended", "canceled", -500, False),
    ]
    assert rows[-1].cancellation_reason == "payment_failed"
    assert not entitlement_for(user_id=rows[0].user_id).entitled


# --- Entitlement read from the history --------------------------------------------------


def _change(membership: Membership, kind: str, at: object, **fields: object) -> None:
    MembershipChange.objects.create(
        membership=membership,
        user=membership.user,
        kind=kind,
        occurred_at=at,
        source="webhook",
        source_key=f"evt_{kind}_{membership.pk}_{at}",
        currency="eur",
        **fields,
    )


def test_entitlement_and_its_unbroken_stretch() -> None:
    now = timezone.now()
    day = timedelta(days=1)
    # A member who paid, let it lapse, and came back 3 days ago (a gap breaks the stretch).
    member = UserFactory()
    old = MembershipFactory(user=member, status="canceled")
    _change(old, "started", now - 40 * day, status_after="active", entitled_after=True)
    _change(old, "ended", now - 10 * day, status_after="canceled", entitled_before=True)
    new = MembershipFactory(user=member, status="active")
    _change(new, "started", now - 3 * day, status_after="active", entitled_after=True,
            tier_after=new.tier)  # fmt: skip
    # A member who paid again before the old one ended: no gap.
    steady = UserFactory()
    first = MembershipFactory(user=steady, status="canceled")
    _change(first, "started", now - 30 * day, status_after="active", entitled_after=True)
    second = MembershipFactory(user=steady, status="active", tier=first.tier)
    _change(second, "started", now - 12 * day, status_after="active", entitled_after=True,
            tier_after=first.tier)  # fmt: skip
    _change(first, "ended", now - 11 * day, status_after="canceled", entitled_before=True)
    # Paid, then cancelled at once: not entitled now, although entitled 5 days ago.
    quitter = UserFactory()
    gone = MembershipFactory(user=quitter, status="canceled")
    _change(gone, "started", now - 6 * day, status_after="active", entitled_after=True)
    _change(gone, "ended", now - 4 * day, status_after="canceled", entitled_before=True)

    back = entitlement_for(user_id=member.pk)
    assert (back.entitled, back.since) == (True, now - 3 * day)
    assert back.tier_ids == {new.tier_id}
    assert entitlement_for(user_id=steady.pk).since == now - 30 * day
    assert not entitlement_for(user_id=quitter.pk).entitled
    assert entitlement_for(user_id=quitter.pk, at=now - 5 * day).entitled  # as of then
    assert entitlement_for(user_id=UserFactory().pk) == entitlement_for(user_id=quitter.pk)

    week = [i for batch in entitled_member_ids(held_for=7 * day, batch=1) for i in batch]
    assert week == [steady.pk]
    anyone = [i for batch in entitled_member_ids(batch=2) for i in batch]
    assert anyone == sorted([member.pk, steady.pk])
    of_tier = [i for batch in entitled_member_ids(tier_ids=[new.tier_id]) for i in batch]
    assert of_tier == [member.pk]


def test_the_migration_backfills_memberships_that_existed_before_the_history() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("billing", "0003_membership_history")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = UserFactory()
    tier = old.get_model("billing", "Tier").objects.create(name="Old", slug="old")
    made = old.get_model("billing", "Membership").objects.create
    common = {"user_id": user.pk, "tier": tier, "currency": "gbp", "stripe_customer_id": "cus_1"}
    start = timezone.now() - timedelta(days=400)
    made(**common, stripe_subscription_id="sub_a", status="active", amount=6000,
         interval="year", started_at=start)  # fmt: skip
    made(**common, stripe_subscription_id="sub_b", status="canceled", amount=400,
         interval="month", started_at=start, ended_at=start + timedelta(days=90))  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = MembershipChange.objects.order_by("membership__stripe_subscription_id", "step")
    assert [
        (r.membership.stripe_subscription_id, r.kind, r.occurred_at, r.mrr_delta, r.source)
        for r in rows
    ] == [
        ("sub_a", "started", start, 500, "backfill"),
        ("sub_b", "started", start, 400, "backfill"),
        ("sub_b", "ended", start + timedelta(days=90), -400, "backfill"),
    ]
    assert entitlement_for(user_id=user.pk).since == start
