"""The worker's side of the inbox: unknown types are ignored, lost tasks are swept up, a
duplicate task is a no-op, and the per-object lock really serialises."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from billing.locks import lock_subscription
from billing.models import Membership, MembershipChange, WebhookEvent
from billing.webhooks.processing import inbox_process, inbox_sweep
from tests.billing.money_path import become_patron
from tests.billing.signing import event_for, fixture, signed
from tests.utils import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.worker
def test_an_unhandled_type_is_stored_and_ignored(celery_worker: object) -> None:
    event = event_for("customer.updated", fixture("customer"))
    body, signature = signed(event)
    response = Client().post(
        "/stripe/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert response.status_code == 200
    row = wait_for(
        lambda: WebhookEvent.objects.filter(stripe_id=event["id"], status="ignored").first()
    )
    assert (row.type, row.attempts) == ("customer.updated", 1)


@pytest.mark.worker
@pytest.mark.stripe
def test_a_row_whose_task_was_lost_is_swept_up(stripe_stand_in: object) -> None:
    become_patron(stripe_stand_in)
    # Simulate "Redis was down when it arrived": the event is stored but no task exists.
    subscription_id = Membership.objects.get().stripe_subscription_id
    MembershipChange.objects.all().delete()
    Membership.objects.all().delete()
    lost = WebhookEvent.objects.create(
        stripe_id="evt_lost_1",
        type="customer.subscription.updated",
        stripe_created=int(time.time()),
        payload={"data": {"object": {"id": subscription_id, "object": "subscription"}}},
    )
    five_minutes_ago = timezone.now() - timedelta(minutes=5)
    WebhookEvent.objects.filter(pk=lost.pk).update(received_at=five_minutes_ago)
    assert inbox_sweep() == {"pending": 1, "failed": 0}
    wait_for(lambda: WebhookEvent.objects.get(pk=lost.pk).status == "processed")
    assert Membership.objects.get().stripe_subscription_id == subscription_id


def test_a_processed_row_is_not_processed_again() -> None:
    row = WebhookEvent.objects.create(
        stripe_id="evt_done", type="customer.updated", stripe_created=1, payload={}
    )
    assert inbox_process(inbox_id=row.pk) == "ignored"
    assert inbox_process(inbox_id=row.pk) == "ignored"
    row.refresh_from_db()
    assert row.attempts == 1


def test_a_row_locked_by_another_worker_is_left_to_it() -> None:
    row = WebhookEvent.objects.create(
        stripe_id="evt_busy", type="customer.updated", stripe_created=1, payload={}
    )
    locked = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with transaction.atomic():
            WebhookEvent.objects.select_for_update().get(pk=row.pk)
            locked.set()
            release.wait(10)
        connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    locked.wait(10)
    try:
        assert inbox_process(inbox_id=row.pk) == "busy"
    finally:
        release.set()
        holder.join()
    assert inbox_process(inbox_id=row.pk) == "ignored"


def test_advisory_lock_is_really_taken() -> None:
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with transaction.atomic():
            lock_subscription("sub_123")
            held.set()
            release.wait(10)
        connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))",
                ["subscription:sub_123"],
            )
            assert cursor.fetchone()[0] is False
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))",
                ["subscription:sub_other"],
            )
            assert cursor.fetchone()[0] is True
    finally:
        release.set()
        holder.join()
    with pytest.raises(RuntimeError, match="needs a transaction"):
        lock_subscription("outside")
