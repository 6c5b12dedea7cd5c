"""Irreversible Stripe calls as commands: recorded with the decision, sent after commit.

`command_record` writes a `StripeCommand` inside the caller's transaction and queues its
execution on commit. `command_execute` sends the call with the command's own idempotency key
and marks it done; a transient failure leaves it pending for the task's retry, and
`commands_sweep` (beat) re-queues any command left pending by a lost task. Stripe replays the
first answer to a repeated idempotency key, so however often a command is sent, it acts once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import gateway
from .models import Membership, StripeCommand
from .stripe_values import object_id

log = logging.getLogger(__name__)

LOST_AFTER = timedelta(minutes=2)
MAX_ATTEMPTS = 10


def command_record(
    *,
    kind: str,
    target: str,
    idempotency_key: str,
    membership: Membership | None = None,
    params: dict[str, Any] | None = None,
    reason: str = "",
) -> StripeCommand:
    """Record that `kind` must be done to `target`, once per idempotency key; queue it on
    commit. Idempotent: a second decision with the same key returns the first command."""
    from .tasks import run_stripe_command

    command, created = StripeCommand.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "kind": kind,
            "target": target,
            "membership": membership,
            "params": params or {},
            "reason": reason,
        },
    )
    if created:
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


def _refund_latest_invoice(command: StripeCommand) -> str:
    from .payments import payment_refund_in_full_for_invoice

    sub = gateway.subscription_retrieve(subscription_id=command.target)
    invoice_id = object_id(sub.get("latest_invoice"))
    if not invoice_id:
        return ""
    refund = payment_refund_in_full_for_invoice(
        invoice_id=invoice_id,
        reason=command.params.get("refund_reason", "duplicate"),
        idempotency_key=command.idempotency_key,
    )
    return refund["id"] if refund else ""


_EXECUTORS = {
    StripeCommand.Kind.CANCEL_SUBSCRIPTION: _cancel,
    StripeCommand.Kind.REFUND_LATEST_INVOICE: _refund_latest_invoice,
}


def command_execute(*, command_id: int) -> str:
    """Send one pending command to Stripe. Returns its status afterwards.

    The row is locked while the call is made (SKIP LOCKED: a second task for the same command
    leaves at once). `GatewayUnavailable` is re-raised after the attempt is recorded, for the
    task to retry; a refusal marks the command failed for a person to look at.
    """
    unavailable: gateway.GatewayUnavailable | None = None
    with transaction.atomic():
        command = (
            StripeCommand.objects.select_for_update(skip_locked=True)
            .filter(pk=command_id, status=StripeCommand.Status.PENDING)
            .first()
        )
        if command is None:
            return "busy-or-done"
        command.attempts += 1
        try:
            command.result_id = _EXECUTORS[StripeCommand.Kind(command.kind)](command)
        except gateway.GatewayUnavailable as exc:
            unavailable = exc
            command.last_error = f"{type(exc).__name__}: {exc}"
            if command.attempts >= MAX_ATTEMPTS:
                command.status = StripeCommand.Status.FAILED
        except gateway.GatewayError as exc:
            log.exception("Stripe refused command %s", command)
            command.last_error = f"{type(exc).__name__}: {exc}"
            command.status = StripeCommand.Status.FAILED
        else:
            command.status = StripeCommand.Status.DONE
            command.last_error = ""
            command.done_at = timezone.now()
        command.save(update_fields=["status", "attempts", "result_id", "last_error", "done_at"])
    if unavailable is not None and command.status == StripeCommand.Status.PENDING:
        raise unavailable
    return command.status


def commands_sweep() -> int:
    """Queue again the commands a lost task left pending. Returns how many."""
    from .tasks import run_stripe_command

    stale = list(
        StripeCommand.objects.filter(
            status=StripeCommand.Status.PENDING, created_at__lt=timezone.now() - LOST_AFTER
        ).values_list("pk", flat=True)[:500]
    )
    for pk in stale:
        run_stripe_command.delay(pk)
    if stale:
        log.warning("stripe commands sweep: re-queued %d", len(stale))
    return len(stale)
