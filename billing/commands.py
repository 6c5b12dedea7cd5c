"""Irreversible Stripe calls as commands: recorded with the decision, sent after commit.

`command_record` writes a `StripeCommand` inside the caller's transaction and queues its
execution on commit (a command that depends on another is queued when that one is done).
`command_execute` sends the call with the command's own idempotency key and marks it done.
When Stripe cannot be reached, the attempt is counted and the task retries with backoff; if
the task is lost or has run out of retries, `commands_sweep` (beat) queues the command again
once its retry is overdue. A command is given up (failed, shown to finance on the
reconciliation page) only when Stripe refuses it, or after `GIVE_UP_AFTER`, inside the 24 hours
in which Stripe replays a repeated idempotency key: however often a command is sent in that
time, it acts once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import gateway
from .models import Membership, StripeCommand

log = logging.getLogger(__name__)

LOST_AFTER = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(hours=23)
# The task's retry countdown grows like this (config.celery.RETRY_POLICY), capped at 10 min.
RETRY_BACKOFF_CAP = 600


def command_record(
    *,
    kind: str,
    target: str,
    idempotency_key: str,
    membership: Membership | None = None,
    params: dict[str, Any] | None = None,
    reason: str = "",
    depends_on: StripeCommand | None = None,
) -> StripeCommand:
    """Record that `kind` must be done to `target`, once per idempotency key; queue it on
    commit (or, with `depends_on`, when that command is done). Idempotent: a second decision
    with the same key returns the first command."""
    from .tasks import run_stripe_command

    command, created = StripeCommand.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "kind": kind,
            "target": target,
            "membership": membership,
            "params": params or {},
            "reason": reason,
            "depends_on": depends_on,
        },
    )
    if created and depends_on is None:
        run_stripe_command.delay_on_commit(command.pk)
    return command


def _cancel(command: StripeCommand) -> str:
    try:
        result = gateway.subscription_cancel(
            subscription_id=command.target, comment=command.params.get("comment", "")
        )
    except gateway.GatewayError:
        # Cancelling twice is refused by Stripe; if it is canceled, the command is done.
        current = gateway.subscription_retrieve(subscription_id=command.target)
        if current.get("status") not in ("canceled", "incomplete_expired"):
            raise
        result = current
    return str(result["id"])


def _refund_invoice(command: StripeCommand) -> str:
    from .payments import payment_refund_rest_of_invoice

    refund = payment_refund_rest_of_invoice(
        invoice_id=command.target,
        reason=command.params.get("refund_reason", "duplicate"),
        idempotency_key=command.idempotency_key,
    )
    return refund["id"] if refund else ""


_EXECUTORS = {
    StripeCommand.Kind.CANCEL_SUBSCRIPTION: _cancel,
    StripeCommand.Kind.REFUND_INVOICE: _refund_invoice,
}


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** (attempts + 1), RETRY_BACKOFF_CAP))


def command_execute(*, command_id: int) -> str:
    """Send one pending command to Stripe. Returns its status afterwards ("waiting" when it
    depends on a command not done yet).

    The row is locked while the call is made (SKIP LOCKED: a second task for the same command
    leaves at once). `GatewayUnavailable` is re-raised after the attempt is recorded, for the
    task to retry; a refusal marks the command failed, as does running out of time.
    """
    from .tasks import run_stripe_command

    unavailable: gateway.GatewayUnavailable | None = None
    with transaction.atomic():
        command = (
            StripeCommand.objects.select_for_update(skip_locked=True)
            .filter(pk=command_id, status=StripeCommand.Status.PENDING)
            .first()
        )
        if command is None:
            return "busy-or-done"
        prerequisite = command.depends_on
        if prerequisite is not None and prerequisite.status != StripeCommand.Status.DONE:
            if prerequisite.status == StripeCommand.Status.FAILED:
                command.status = StripeCommand.Status.FAILED
                command.last_error = f"Not sent: {prerequisite} failed first."
                command.save(update_fields=["status", "last_error"])
                return command.status
            return "waiting"
        now = timezone.now()
        command.attempts += 1
        try:
            command.result_id = _EXECUTORS[StripeCommand.Kind(command.kind)](command)
        except gateway.GatewayUnavailable as exc:
            command.last_error = f"{type(exc).__name__}: {exc}"
            command.next_attempt_at = now + _backoff(command.attempts)
            if command.created_at < now - GIVE_UP_AFTER:
                command.status = StripeCommand.Status.FAILED
            else:
                unavailable = exc
        except gateway.GatewayError as exc:
            log.exception("Stripe refused command %s", command)
            command.last_error = f"{type(exc).__name__}: {exc}"
            command.status = StripeCommand.Status.FAILED
        else:
            command.status = StripeCommand.Status.DONE
            command.last_error = ""
            command.done_at = now
            for dependent in command.dependents.filter(status=StripeCommand.Status.PENDING):
                run_stripe_command.delay_on_commit(dependent.pk)
        command.save(
            update_fields=[
                "status", "attempts", "result_id", "last_error", "done_at", "next_attempt_at",
            ]
        )  # fmt: skip
    if unavailable is not None:
        raise unavailable
    return command.status


def commands_sweep() -> int:
    """Queue again the commands whose task was lost or gave up: pending, not waiting for
    another, and overdue (their retry was due more than LOST_AFTER ago). Returns how many."""
    from .tasks import run_stripe_command

    overdue = timezone.now() - LOST_AFTER
    stale = list(
        StripeCommand.objects.filter(status=StripeCommand.Status.PENDING)
        .filter(Q(depends_on__isnull=True) | Q(depends_on__status=StripeCommand.Status.DONE))
        .filter(
            Q(next_attempt_at__lt=overdue) | Q(next_attempt_at__isnull=True, created_at__lt=overdue)
        )
        .values_list("pk", flat=True)[:500]
    )
    for pk in stale:
        run_stripe_command.delay(pk)
    if stale:
        log.warning("stripe commands sweep: re-queued %d", len(stale))
    return len(stale)
