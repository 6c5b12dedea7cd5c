"""Nightly reconciliation with Stripe: repair what the webhooks missed, and say what it was.

1. Events Stripe has not delivered to us in the last `EVENT_WINDOW` (its own retries may have
   given up, or be waiting) go into the webhook inbox exactly as if they had arrived: the
   inbox's unique event id makes one we do have a no-op, and the normal handlers (history
   included) do the rest.
2. Every subscription at Stripe is compared with our membership. A membership that is missing
   or differs is copied again through `membership_sync` (idempotent, under the usual locks),
   and each difference is written down; a live membership Stripe no longer has is reported,
   not touched.
The run's report (`ReconciliationRun`) is on the finance staff page.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from . import gateway
from .memberships import membership_sync
from .models import Membership, ReconciliationRun
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


def _compare_subscriptions(run: ReconciliationRun) -> None:
    seen: set[str] = set()
    page: list[dict[str, Any]] = []

    def check(batch: list[dict[str, Any]]) -> None:
        ours = Membership.objects.in_bulk(
            [s["id"] for s in batch], field_name="stripe_subscription_id"
        )
        for sub in batch:
            seen.add(sub["id"])
            differences = _drift(ours.get(sub["id"]), sub)
            if differences:
                membership_sync(subscription_id=sub["id"])
                run.repaired += 1
                run.drift.extend(differences)
        run.subscriptions_checked += len(batch)

    for sub in gateway.subscriptions_iter(status="all"):
        page.append(sub)
        if len(page) == PAGE:
            check(page)
            page = []
    if page:
        check(page)
    for subscription_id in (
        Membership.objects.not_ended()
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
        _compare_subscriptions(run)
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
