"""Nightly reconciliation with Stripe: repair what the webhooks missed, and say what it was.

1. Events Stripe has not delivered to us in the last `EVENT_WINDOW` (its own retries may have
   given up, or be waiting) go into the webhook inbox exactly as if they had arrived: the
   inbox's unique event id makes one we do have a no-op, and the normal handlers (history
   included) do the rest.
2. Every subscription at Stripe is compared with our membership. A membership that is missing
   or differs is copied again through `membership_sync` (idempotent, under the usual locks),
   and each difference is written down; a live membership Stripe no longer has is reported,
   not touched, as is one we asked Stripe to end that still runs there.
3. The membership history is compared too: where its latest state is not Stripe's and no
   event about the subscription is still waiting in the inbox (those tell the history
   themselves), the missing changes are appended, marked as from reconciliation.
The run's report (`ReconciliationRun`) is on the finance staff page.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import gateway
from .history import HISTORY_EVENTS, history_record_repair
from .locks import lock_subscription
from .memberships import membership_sync
from .models import Membership, ReconciliationRun, WebhookEvent
from .models.memberships import ENDED_STATUSES
from .stripe_values import from_unix
from .webhooks.inbox import inbox_receive

log = logging.getLogger(__name__)

# Stripe retries a webhook for up to 3 days and keeps events for 30.
EVENT_WINDOW = timedelta(days=3)
PAGE = 100


def _stripe_values(sub: dict[str, Any]) -> dict[str, Any]:
    item = sub["items"]["data"][0]
    price = item["price"]
    return {
        "status": sub["status"],
        "stripe_price_id": price["id"],
        "amount": int(price.get("unit_amount") or 0) * int(item.get("quantity") or 1),
        "cancel_at_period_end": bool(sub.get("cancel_at_period_end")),
        "paused": bool(sub.get("pause_collection")),
        "current_period_end": from_unix(item.get("current_period_end")),
    }


def _drift(membership: Membership | None, sub: dict[str, Any]) -> list[dict[str, str]]:
    if membership is None:
        return [{"subscription": sub["id"], "field": "membership", "ours": "", "stripe": "exists"}]
    return [
        {"subscription": sub["id"], "field": name, "ours": str(getattr(membership, name)),
         "stripe": str(value)}
        for name, value in _stripe_values(sub).items()
        if getattr(membership, name) != value
    ]  # fmt: skip


def _replay_undelivered(run: ReconciliationRun, now: datetime) -> None:
    since = int((now - EVENT_WINDOW).timestamp())
    for event in gateway.events_undelivered_iter(since=since):
        # The library reads Stripe's decimal strings as Decimal; as JSON they are strings again.
        raw = json.dumps(event, default=str).encode()
        if inbox_receive(event=json.loads(raw), raw=raw) is not None:
            run.events_replayed += 1


def _waiting_in_inbox() -> set[str]:
    """Subscriptions with an event of theirs still to be processed."""
    return set(
        WebhookEvent.objects.filter(
            status__in=(WebhookEvent.Status.PENDING, WebhookEvent.Status.FAILED),
            type__in=HISTORY_EVENTS,
        ).values_list("payload__data__object__id", flat=True)
    )


def _repair_history(run: ReconciliationRun, sub: dict[str, Any], now: datetime) -> None:
    with transaction.atomic():
        lock_subscription(sub["id"])
        membership = Membership.objects.filter(stripe_subscription_id=sub["id"]).first()
        if membership is None:
            return
        if history_record_repair(
            membership=membership, sub=sub, source_key=f"reconcile:{run.pk}", at=now
        ):
            run.drift.append(
                {"subscription": sub["id"], "field": "history", "ours": "behind",
                 "stripe": sub["status"]}
            )  # fmt: skip


def _compare_subscriptions(run: ReconciliationRun, now: datetime) -> None:
    seen: set[str] = set()
    page: list[dict[str, Any]] = []
    waiting = _waiting_in_inbox()

    def check(batch: list[dict[str, Any]]) -> None:
        ours = Membership.objects.in_bulk(
            [s["id"] for s in batch], field_name="stripe_subscription_id"
        )
        for sub in batch:
            seen.add(sub["id"])
            mine = ours.get(sub["id"])
            differences = _drift(mine, sub)
            if differences:
                membership_sync(subscription_id=sub["id"])
                run.repaired += 1
                run.drift.extend(differences)
            if mine is not None and mine.end_requested and sub["status"] not in ENDED_STATUSES:
                run.drift.append(
                    {"subscription": sub["id"], "field": "end_requested",
                     "ours": mine.end_requested, "stripe": sub["status"]}
                )  # fmt: skip
            if sub["id"] not in waiting:
                _repair_history(run, sub, now)
        run.subscriptions_checked += len(batch)

    for sub in gateway.subscriptions_iter(status="all"):
        page.append(sub)
        if len(page) == PAGE:
            check(page)
            page = []
    if page:
        check(page)
    for subscription_id in (
        Membership.objects.subscriptions()
        .not_ended()
        .exclude(stripe_subscription_id__in=seen)
        .values_list("stripe_subscription_id", flat=True)
    ):
        run.drift.append(
            {"subscription": subscription_id, "field": "membership", "ours": "live",
             "stripe": "missing"}
        )  # fmt: skip


def reconcile(*, now: datetime | None = None) -> ReconciliationRun:
    """One reconciliation run (see the module docstring). Idempotent: a second run right
    after the first finds nothing to repair. Stripe being unreachable ends the run early,
    with the error on its report."""
    now = now or timezone.now()
    run = ReconciliationRun.objects.create()
    try:
        _replay_undelivered(run, now)
        _compare_subscriptions(run, now)
    except (gateway.GatewayError, gateway.GatewayUnavailable) as exc:
        log.warning("reconciliation stopped: %s", exc)
        run.error = f"{type(exc).__name__}: {exc}"
    run.finished_at = timezone.now()
    run.save()
    if run.repaired or run.events_replayed:
        log.warning(
            "reconciliation: %d events replayed, %d memberships repaired",
            run.events_replayed,
            run.repaired,
        )
    return run
