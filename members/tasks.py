from celery import shared_task

from config.celery import RETRY_POLICY

from .mail.bulk import email_send_batch
from .mail.services import email_send, outbox_sweep


@shared_task(**RETRY_POLICY)
def send_email(email_id: int) -> bool:
    return email_send(email_id=email_id)


# On the `bulk` queue (settings.CELERY_TASK_ROUTES): invitations, reminders and news never
# hold up receipts on the `emails` queue.
@shared_task(**RETRY_POLICY)
def send_bulk_emails(email_ids: list[int]) -> int:
    return email_send_batch(email_ids=email_ids)


@shared_task
def sweep_outbox() -> dict[str, int]:
    return outbox_sweep()
