"""Processing an inbox row: lock it, run its handler, record the outcome."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from billing.models import WebhookEvent

from .handlers import HANDLERS

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LOST_AFTER = timedelta(minutes=2)


def inbox_process(*, inbox_id: int, transient: tuple[type[BaseException], ...] = ()) -> str:
    """Run the handler of one stored event, at most once to success.

    The row is locked (SKIP LOCKED: a duplicate task for the same row leaves at once), so two
    workers never handle one event together; a processed or ignored row is a no-op. A
    transient error (Stripe or the database unreachable) rolls everything back and is
    re-raised for the task to retry; any other error is recorded on the row as failed, for the
    sweeper to retry a few times and for staff to see.
    """
    with transaction.atomic():
        row = WebhookEvent.objects.select_for_update(skip_locked=True).filter(pk=inbox_id).first()
        if row is None:
            return "busy"
        if row.status in (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED):
            return row.status
        handler = HANDLERS.get(row.type)
        row.attempts += 1
        if handler is None:
            row.status = WebhookEvent.Status.IGNORED
            row.processed_at = timezone.now()
            row.save(update_fields=["status", "attempts", "processed_at"])
            return row.status
        try:
            with transaction.atomic():
                handler(row.payload)
        except transient:
            raise
        except Exception as exc:
            log.exception("webhook %s (%s) failed", row.stripe_id, row.type)
            row.status = WebhookEvent.Status.FAILED
            row.last_error = f"{type(exc).__name__}: {exc}"[:4000]
            row.save(update_fields=["status", "attempts", "last_error"])
            return row.status
        row.status = WebhookEvent.Status.PROCESSED
        row.processed_at = timezone.now()
        row.last_error = ""
        row.save(update_fields=["status", "attempts", "processed_at", "last_error"])
        return row.status


def inbox_sweep() -> dict[str, int]:
    """Queue again what a lost task left behind, and nothing that is merely waiting its turn:
    pending rows that no drain queued within a couple of minutes of arriving (Redis was down
    when they arrived), pending rows queued more than a couple of minutes ago and still not
    processed (the task was lost, or a worker died), and failed rows with attempts left,
    after a backoff that grows with their attempts. A row a drain queued recently is left to
    its task: queuing it again would only make the worker skip a duplicate."""
    from billing.tasks import process_webhook_event

    now = timezone.now()
    lost_before = now - LOST_AFTER
    pending = list(
        WebhookEvent.objects.filter(status=WebhookEvent.Status.PENDING)
        .filter(
            Q(queued_at__isnull=True, received_at__lt=lost_before) | Q(queued_at__lt=lost_before)
        )
        .values_list("pk", flat=True)[:1000]
    )
    failed = [
        pk
        for pk, attempts, received in WebhookEvent.objects.filter(
            status=WebhookEvent.Status.FAILED, attempts__lt=MAX_ATTEMPTS
        ).values_list("pk", "attempts", "received_at")[:1000]
        if received < now - timedelta(minutes=2**attempts)
    ]
    if failed:
        WebhookEvent.objects.filter(pk__in=failed).update(status=WebhookEvent.Status.PENDING)
    WebhookEvent.objects.filter(pk__in=pending + failed).update(queued_at=now)
    for pk in pending + failed:
        process_webhook_event.delay(pk)
    if pending or failed:
        log.warning("inbox sweep: %d pending, %d failed re-queued", len(pending), len(failed))
    return {"pending": len(pending), "failed": len(failed)}
