from celery import shared_task

from config.celery import RETRY_POLICY, TRANSIENT_ERRORS

from .commands import command_execute, commands_sweep
from .gateway.errors import GatewayUnavailable
from .gifts import gifts_deliver, gifts_remind_ending
from .grants import grants_expire
from .reconciliation import reconcile
from .self_service.pausing import pause_endings_remind
from .statements import statements_send_due
from .webhooks.processing import inbox_process, inbox_sweep
from .webhooks.queueing import inbox_drain
from .webhooks.retention import inbox_redact_expired

BILLING_TRANSIENT = (*TRANSIENT_ERRORS, GatewayUnavailable)


@shared_task(**{**RETRY_POLICY, "autoretry_for": BILLING_TRANSIENT})
def process_webhook_event(inbox_id: int) -> str:
    return inbox_process(inbox_id=inbox_id, transient=BILLING_TRANSIENT)


@shared_task(**{**RETRY_POLICY, "autoretry_for": BILLING_TRANSIENT})
def drain_webhook_inbox() -> int:
    return inbox_drain()


@shared_task
def sweep_webhook_inbox() -> dict[str, int]:
    return inbox_sweep()


@shared_task(**{**RETRY_POLICY, "autoretry_for": BILLING_TRANSIENT})
def run_stripe_command(command_id: int) -> str:
    return command_execute(command_id=command_id)


@shared_task
def sweep_stripe_commands() -> int:
    return commands_sweep()


@shared_task
def redact_webhook_payloads() -> int:
    return inbox_redact_expired()


@shared_task
def send_giving_statements() -> int:
    return statements_send_due()


@shared_task
def reconcile_with_stripe() -> int:
    return reconcile().pk


@shared_task
def expire_grants() -> int:
    return grants_expire()


@shared_task
def deliver_gifts() -> int:
    return gifts_deliver()


@shared_task
def remind_gift_endings() -> int:
    return gifts_remind_ending()


@shared_task
def remind_pause_endings() -> int:
    return pause_endings_remind()
