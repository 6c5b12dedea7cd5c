"""Getting stored events to the worker without one broker message per webhook request.

Publishing a Celery message was almost half of a webhook request's CPU (bench/ profiles). So a
request that stored an event only *nudges*: one Redis `SET NX`, and a `drain_webhook_inbox`
task is published only when none is queued yet. The drain task claims every stored event that
is not queued yet (an UPDATE .. RETURNING, so two drains never claim the same row) and fans
out one `process_webhook_event` per event, from the worker, off the request path.

Why no event is forgotten: the drain deletes the nudge key *before* it claims rows, and a
request nudges only *after* its row committed. A request whose nudge finds the key set
therefore committed before the drain deleted it, so that drain's claim sees the row; a request
that nudges after the delete queues a new drain. A drain task that is lost leaves the key to
expire (NUDGE_TTL); whatever is still pending after that is the sweeper's (`inbox_sweep`).
"""

from __future__ import annotations

import logging

from django.db import connection
from django_redis import get_redis_connection
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from billing.models import WebhookEvent

log = logging.getLogger(__name__)

NUDGE_KEY = "billing:webhook-inbox:drain-queued"
NUDGE_TTL = 10  # seconds a lost drain task can hold back the next nudge
CLAIM_BATCH = 500

_CLAIM = f"""
    UPDATE {WebhookEvent._meta.db_table} SET queued_at = now()
    WHERE id IN (
        SELECT id FROM {WebhookEvent._meta.db_table}
        WHERE status = 'pending' AND queued_at IS NULL
        ORDER BY id LIMIT %s
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id
"""  # noqa: S608 - table names are our own constants


def inbox_nudge() -> bool:
    """Ask for a drain unless one is already queued. Returns True if this call queued one.

    Never raises for Redis or the broker being down: the event is stored and the beat sweeper
    queues it later, and Stripe must still get its 200.
    """
    from billing.tasks import drain_webhook_inbox

    try:
        if not get_redis_connection("default").set(NUDGE_KEY, 1, nx=True, ex=NUDGE_TTL):
            return False
        drain_webhook_inbox.delay()
    except (RedisError, BrokerError, ConnectionError, TimeoutError):
        log.warning("could not nudge the webhook inbox; the sweeper will queue it", exc_info=True)
        return False
    return True


def inbox_claim(*, limit: int = CLAIM_BATCH) -> list[int]:
    """Mark up to `limit` stored, not yet queued events as queued; return their ids."""
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, [limit])
        return [int(row[0]) for row in cursor.fetchall()]


def inbox_drain() -> int:
    """Queue a processing task for every stored event that has none yet. Returns how many."""
    from billing.tasks import process_webhook_event
    from config.celery import app

    # First, so that every event committed from now on nudges a new drain (module docstring).
    get_redis_connection("default").delete(NUDGE_KEY)
    queued = 0
    while ids := inbox_claim():
        with app.producer_or_acquire() as producer:
            for inbox_id in ids:
                process_webhook_event.apply_async((inbox_id,), producer=producer)
        queued += len(ids)
    return queued
