"""A real Celery worker process, on the real Redis broker, against the test database."""

import pytest

from members.mail.services import email_enqueue
from members.models import OutboundEmail
from tests.utils import mailbox, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_worker_sends_a_queued_email_once(celery_worker: object) -> None:
    row = email_enqueue(
        key="test:hello",
        kind="account",
        to="Reader@Example.org",
        subject="Hello from the worker",
        body_text="It works.",
    )
    # The web process only wrote a row; the worker process does the sending.
    sent = wait_for(
        lambda: OutboundEmail.objects.filter(pk=row.pk, status="sent").first(), timeout=30
    )
    assert sent.sent_at is not None
    assert sent.attempts == 1
    messages = mailbox()
    assert [(m["To"], m["Subject"]) for m in messages] == [
        ("reader@example.org", "Hello from the worker")
    ]
    assert messages[0].get_content().strip() == "It works."

    # Deciding the same thing again is a no-op: same row, nothing queued, one message.
    again = email_enqueue(key="test:hello", kind="account", to="reader@example.org")
    assert again.pk == row.pk
    assert OutboundEmail.objects.count() == 1
    assert len(mailbox()) == 1
