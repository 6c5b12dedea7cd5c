"""Stored webhook payloads lose their personal data 30 days after processing (the beat task
`redact_webhook_payloads`, run here on the real worker)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from billing.models import WebhookEvent
from billing.tasks import redact_webhook_payloads
from tests.billing.signing import event_for, fixture
from tests.utils import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def stored(name: str, status: str, *, age_days: float) -> WebhookEvent:
    customer = fixture("customer")
    customer.update(id=f"cus_{name}", email="olena@example.org", name="Olena Petrenko")
    event = event_for("customer.updated", customer, event_id=f"evt_{name}")
    at = timezone.now() - timedelta(days=age_days)
    row = WebhookEvent.objects.create(
        stripe_id=event["id"],
        type=event["type"],
        stripe_created=event["created"],
        payload=event,
        status=status,
        processed_at=at if status in ("processed", "ignored") else None,
    )
    WebhookEvent.objects.filter(pk=row.pk).update(received_at=at)
    return row


@pytest.mark.worker
def test_payloads_past_their_retention_are_cut_to_a_skeleton(celery_worker: object) -> None:
    expired = [
        stored("old_processed", "processed", age_days=31),
        stored("old_ignored", "ignored", age_days=31),
        stored("old_failed", "failed", age_days=31),
    ]
    kept = [
        stored("recent_processed", "processed", age_days=29),
        stored("recent_failed", "failed", age_days=29),
        stored("old_pending", "pending", age_days=31),  # still to be processed
    ]

    redact_webhook_payloads.delay()
    wait_for(lambda: "redacted" in WebhookEvent.objects.get(pk=expired[-1].pk).payload)

    for row in expired:
        payload = WebhookEvent.objects.get(pk=row.pk).payload
        assert payload == {
            "id": row.stripe_id,
            "object": "event",
            "type": "customer.updated",
            "created": row.stripe_created,
            "redacted": True,
            "data": {"object": {"id": row.payload["data"]["object"]["id"], "object": "customer"}},
        }
        assert "olena" not in str(payload).lower()
    for row in kept:
        assert WebhookEvent.objects.get(pk=row.pk).payload == row.payload

    # Idempotent: a second run finds nothing left to cut.
    from billing.webhooks.retention import inbox_redact_expired

    assert inbox_redact_expired() == 0


def test_the_retention_runs_on_beat() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["redact-webhook-payloads"]
    assert entry["task"] == "billing.tasks.redact_webhook_payloads"
    assert entry["schedule"] <= 24 * 3600
