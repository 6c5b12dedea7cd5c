from celery import shared_task

from config.celery import RETRY_POLICY

from .mail.services import email_send, outbox_sweep


@shared_task(**RETRY_POLICY)
def send_email(email_id: int) -> bool:
    return email_send(email_id=email_id)


@shared_task
def sweep_outbox() -> dict[str, int]:
    return outbox_sweep()
