from celery import shared_task

from config.celery import RETRY_POLICY, TRANSIENT_ERRORS

from .gateway.errors import GatewayUnavailable
from .webhooks.processing import inbox_process, inbox_sweep

BILLING_TRANSIENT = (*TRANSIENT_ERRORS, GatewayUnavailable)


# ignore_result: the outcome is recorded on the inbox row, and nothing reads the task's return
# value. With a result backend, every `delay()` otherwise also SUBSCRIBEs to the task's result
# channel in Redis (and UNSUBSCRIBEs when the AsyncResult is collected), and the worker stores
# every result: about a tenth of the webhook request's time in bench/ profiles, for nothing.
@shared_task(**{**RETRY_POLICY, "autoretry_for": BILLING_TRANSIENT}, ignore_result=True)
def process_webhook_event(inbox_id: int) -> str:
    return inbox_process(inbox_id=inbox_id, transient=BILLING_TRANSIENT)


@shared_task
def sweep_webhook_inbox() -> dict[str, int]:
    return inbox_sweep()
