"""News from the newsroom: a letter to every member who wants it."""

from __future__ import annotations

from django.db import transaction

from members.mail.services import email_enqueue
from members.models import OutboundEmail, User


@transaction.atomic
def news_send(*, issue: str, subject: str, body: str) -> dict[str, int]:
    """Queue one news letter per active member, keyed `news:<issue>:<user id>`.

    Idempotent per issue: sending the same issue again queues nothing for members who already
    have a row (a crash half-way and a retry sends the rest). Members who switched news off
    get a "skipped" ledger row, the record that we chose not to send. Returns counts by status.
    """
    counts = {OutboundEmail.Status.PENDING: 0, OutboundEmail.Status.SKIPPED: 0}
    members = User.objects.filter(is_active=True, erased_at__isnull=True).order_by("pk")
    for user in members.iterator(chunk_size=500):
        row = email_enqueue(
            key=f"news:{issue}:{user.pk}",
            kind="news",
            to=user.email,
            user=user,
            context={"subject": subject, "body": body},
        )
        counts[row.status] = counts.get(row.status, 0) + 1
    return {str(k): v for k, v in counts.items()}
