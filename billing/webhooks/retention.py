"""How long the inbox keeps what Stripe sent.

An event's payload is a snapshot of a Stripe object: names, email addresses, postal
addresses, card details. We need it only to process the event; the row itself (event id,
type, times, outcome) is what makes a redelivery a no-op and tells staff what happened. So
30 days after a row was processed or ignored (as long as Stripe itself keeps events), and 30
days after a failed row arrived (its retries ended long before), the payload is cut down to a
skeleton: the event's id, type and time and the id and kind of the object it was about. A
handler run on such a row again (there is none: processed rows are no-ops) would still find
the object id and refetch the rest from Stripe.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F, Q, Value
from django.db.models.functions import JSONObject
from django.utils import timezone

from billing.models import WebhookEvent

PAYLOAD_RETENTION = timedelta(days=30)
REDACTED = "redacted"  # the key that marks a payload as cut down
BATCH = 1000


def _skeleton() -> JSONObject:
    return JSONObject(
        id=F("stripe_id"),
        object=Value("event"),
        type=F("type"),
        created=F("stripe_created"),
        redacted=Value(True),
        data=JSONObject(
            object=JSONObject(
                id=F("payload__data__object__id"), object=F("payload__data__object__object")
            )
        ),
    )


def inbox_redact_expired() -> int:
    """Cut the payloads past their retention down to a skeleton. Returns how many rows.

    Idempotent (a skeleton is marked and skipped) and in batches, so a long backlog neither
    holds one long transaction nor locks the whole table.
    """
    cutoff = timezone.now() - PAYLOAD_RETENTION
    expired = WebhookEvent.objects.filter(
        Q(
            status__in=[WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED],
            processed_at__lt=cutoff,
        )
        | Q(status=WebhookEvent.Status.FAILED, received_at__lt=cutoff)
    ).exclude(payload__has_key=REDACTED)
    total = 0
    while ids := list(expired.values_list("pk", flat=True)[:BATCH]):
        total += WebhookEvent.objects.filter(pk__in=ids).update(payload=_skeleton())
    return total
