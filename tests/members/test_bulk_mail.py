"""Bulk mail at scale: one INSERT per batch, exactly once per key, batched sends that claim
each row once, a failing message that does not stop the others, and a sweeper that puts lost
bulk rows back on the bulk queue (later than transactional ones)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from members.mail.bulk import BulkItem, email_enqueue_bulk, email_send_batch
from members.mail.services import email_enqueue, outbox_sweep
from members.models import OutboundEmail
from tests.members.factories import UserFactory
from tests.utils import mailbox, wait_for


def _news(users: list, issue: str = "n1") -> list[BulkItem]:
    return [
        BulkItem(f"news:{issue}:{u.pk}", u.pk, {"subject": "Hi", "body": "News."}) for u in users
    ]


@pytest.mark.django_db
def test_bulk_enqueue_is_idempotent_and_honours_preferences() -> None:
    yes, no = UserFactory(), UserFactory(email_news=False)
    first = email_enqueue_bulk(kind="news", items=_news([yes, no]))
    again = email_enqueue_bulk(kind="news", items=_news([yes, no]))
    assert (first.queued, first.skipped, first.existing) == (1, 1, 0)
    assert (again.queued, again.skipped, again.existing) == (1, 1, 0)  # still pending: queued
    assert OutboundEmail.objects.count() == 2
    assert dict(OutboundEmail.objects.values_list("user_id", "status")) == {
        yes.pk: "pending", no.pk: "skipped",
    }  # fmt: skip
    with pytest.raises(ValueError, match="not a bulk kind"):
        email_enqueue_bulk(kind="account", items=_news([yes]))


@pytest.mark.django_db
def test_a_batch_claims_each_row_once_and_a_bad_message_does_not_stop_the_others() -> None:
    users = [UserFactory() for _ in range(3)]
    email_enqueue_bulk(kind="news", items=_news(users))
    # An invitation to a round that does not exist cannot be rendered.
    email_enqueue_bulk(
        kind="vote_invitation",
        items=[BulkItem(f"vote_invitation:0:{users[0].pk}", users[0].pk,
                        {"round_id": 0, "user_id": users[0].pk})],
    )  # fmt: skip
    ids = list(OutboundEmail.objects.order_by("pk").values_list("pk", flat=True))
    with pytest.raises(Exception, match="does not exist"):
        email_send_batch(email_ids=ids)
    statuses = list(OutboundEmail.objects.order_by("pk").values_list("kind", "status", "attempts"))
    assert statuses == [("news", "sent", 1)] * 3 + [("vote_invitation", "pending", 1)]
    assert "DoesNotExist" in OutboundEmail.objects.get(kind="vote_invitation").last_error
    # Sent in this process: the test runner's in-memory backend holds them.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    sent = OutboundEmail.objects.filter(kind="news").first()
    assert sent.subject == "Hi"
    assert "News." in sent.body_text
    # Run again: the sent rows are not claimed twice.
    OutboundEmail.objects.filter(kind="vote_invitation").update(status="skipped")
    assert email_send_batch(email_ids=ids) == 0
    assert len(mail.outbox) == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_the_sweeper_requeues_lost_bulk_rows_on_the_bulk_queue_and_later(
    celery_worker: object,
) -> None:
    member = UserFactory()
    now = timezone.now()
    lost_bulk, recent_bulk, lost_receipt = (
        OutboundEmail.objects.create(key=key, kind=kind, to=member.email, user=member,
                                     context=context, subject="Lost", body_text="x")
        for key, kind, context in (
            ("news:lost:1", "news", {"subject": "Old news", "body": "x"}),
            ("news:recent:1", "news", {"subject": "Recent news", "body": "x"}),
            ("test:lost-receipt", "account", {}),
        )
    )  # fmt: skip
    OutboundEmail.objects.filter(pk=lost_bulk.pk).update(created_at=now - timedelta(minutes=40))
    OutboundEmail.objects.filter(pk=recent_bulk.pk).update(created_at=now - timedelta(minutes=10))
    OutboundEmail.objects.filter(pk=lost_receipt.pk).update(created_at=now - timedelta(minutes=5))
    assert outbox_sweep() == {"requeued": 2, "stuck": 0}
    wait_for(lambda: OutboundEmail.objects.filter(status="sent").count() == 2, timeout=30)
    assert set(OutboundEmail.objects.filter(status="sent").values_list("pk", flat=True)) == {
        lost_bulk.pk, lost_receipt.pk,
    }  # fmt: skip
    # A bulk row waiting ten minutes is most likely still queued behind its mailing.
    assert OutboundEmail.objects.get(pk=recent_bulk.pk).status == "pending"


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_single_bulk_email_is_sent_by_the_bulk_task(celery_worker: object) -> None:
    member = UserFactory()
    row = email_enqueue(key="news:one:1", kind="news", to=member.email, user=member,
                        context={"subject": "One letter", "body": "x"})  # fmt: skip
    wait_for(lambda: OutboundEmail.objects.filter(pk=row.pk, status="sent").exists(), timeout=30)
    assert [m["Subject"] for m in mailbox()] == ["One letter"]
