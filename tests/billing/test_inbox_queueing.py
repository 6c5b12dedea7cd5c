"""Stored events reach the worker through a nudge and a drain, not one broker message per
request (billing/webhooks/queueing.py). These tests read the real Redis queue; no worker runs,
so the messages stay where the site put them."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterator

import pytest
from django.test import Client, override_settings
from django_redis import get_redis_connection

from billing.models import WebhookEvent
from billing.webhooks.queueing import NUDGE_KEY, inbox_drain
from config.celery import app
from scripts.devstack import free_port
from tests.billing.signing import event_for, fixture, signed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_queues() -> Iterator[None]:
    app.control.purge()
    get_redis_connection("default").delete(NUDGE_KEY)
    yield
    app.control.purge()
    get_redis_connection("default").delete(NUDGE_KEY)


def queued() -> Counter[tuple[str, tuple]]:
    """(task name, args) of every message waiting in the `webhooks` queue."""
    found: Counter[tuple[str, tuple]] = Counter()
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        for raw in client.lrange("webhooks", 0, -1):
            message = json.loads(raw)
            body = json.loads(base64.b64decode(message["body"]))
            found[(message["headers"]["task"], tuple(body[0]))] += 1
    return found


def post_event(client: Client, type_: str = "invoice.paid") -> str:
    event = event_for(type_, fixture("invoice"))
    body, signature = signed(event)
    response = client.post(
        "/stripe/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert response.status_code == 200
    return event["id"]


def test_many_events_make_one_drain_and_each_is_queued_once(
    django_capture_on_commit_callbacks: object,
) -> None:
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        for _ in range(20):
            post_event(client)
    assert queued() == Counter({("billing.tasks.drain_webhook_inbox", ()): 1})

    assert inbox_drain() == 20
    ids = set(WebhookEvent.objects.values_list("pk", flat=True))
    process = {args[0] for (task, args) in queued() if task.endswith("process_webhook_event")}
    assert process == ids
    assert sum(queued().values()) == 21
    assert not WebhookEvent.objects.filter(queued_at__isnull=True).exists()
    assert inbox_drain() == 0  # nothing is queued twice


def test_an_event_after_the_drain_started_nudges_again(
    django_capture_on_commit_callbacks: object,
) -> None:
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        post_event(client)
    inbox_drain()  # deletes the nudge first
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        late = post_event(client)
    drains = queued()[("billing.tasks.drain_webhook_inbox", ())]
    assert drains == 2
    assert inbox_drain() == 1
    assert WebhookEvent.objects.get(stripe_id=late).queued_at is not None


def test_redis_down_still_answers_200_and_the_sweeper_queues_it_later(
    django_capture_on_commit_callbacks: object,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from billing.webhooks.processing import inbox_sweep

    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    caches = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": nowhere,
                          "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5}}}  # fmt: skip
    with (
        override_settings(CACHES=caches),
        django_capture_on_commit_callbacks(execute=True),  # type: ignore[operator]
    ):
        event_id = post_event(Client())
    row = WebhookEvent.objects.get(stripe_id=event_id)
    assert (row.status, row.queued_at) == ("pending", None)
    assert queued() == Counter()

    WebhookEvent.objects.filter(pk=row.pk).update(received_at=timezone.now() - timedelta(minutes=5))
    assert inbox_sweep() == {"pending": 1, "failed": 0}
    assert queued() == Counter({("billing.tasks.process_webhook_event", (row.pk,)): 1})


def test_the_sweeper_requeues_only_rows_whose_task_is_lost() -> None:
    """A row a drain queued a moment ago is waiting for its task (the worker may be behind a
    backlog): the sweeper leaves it. It queues rows no drain ever queued and rows queued long
    enough ago that their task must be lost."""
    from datetime import timedelta

    from django.utils import timezone

    from billing.webhooks.processing import inbox_sweep

    now = timezone.now()

    def row(name: str, *, received: timedelta, queued: timedelta | None) -> WebhookEvent:
        created = WebhookEvent.objects.create(
            stripe_id=f"evt_sweep_{name}", type="customer.updated", stripe_created=1, payload={}
        )
        WebhookEvent.objects.filter(pk=created.pk).update(
            received_at=now - received, queued_at=None if queued is None else now - queued
        )
        return WebhookEvent.objects.get(pk=created.pk)

    just_queued = row("just_queued", received=timedelta(minutes=5), queued=timedelta(seconds=10))
    never_queued = row("never_queued", received=timedelta(minutes=5), queued=None)
    task_lost = row("task_lost", received=timedelta(minutes=10), queued=timedelta(minutes=5))
    just_arrived = row("just_arrived", received=timedelta(seconds=10), queued=None)

    assert inbox_sweep() == {"pending": 2, "failed": 0}
    assert queued() == Counter(
        {
            ("billing.tasks.process_webhook_event", (never_queued.pk,)): 1,
            ("billing.tasks.process_webhook_event", (task_lost.pk,)): 1,
        }
    )
    # The rows it queued are marked as queued now; the others are untouched.
    assert WebhookEvent.objects.get(pk=just_queued.pk).queued_at == just_queued.queued_at
    assert WebhookEvent.objects.get(pk=just_arrived.pk).queued_at is None
    for swept in (never_queued, task_lost):
        assert WebhookEvent.objects.get(pk=swept.pk).queued_at > now - timedelta(seconds=5)
    # A second sweep right after finds nothing lost.
    assert inbox_sweep() == {"pending": 0, "failed": 0}
