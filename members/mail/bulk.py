"""Bulk email (invitations, reminders, news) at the scale of every member, on its own queue.

Same ledger, same exactly-once rule as `services.email_enqueue` (one row per key), built for
tens of thousands of rows:

- `email_enqueue_bulk` writes one batch of rows of a bulk kind with one
  `INSERT .. ON CONFLICT (key) DO NOTHING`, each row pending or, for a member who opted out
  (or an inactive account), skipped; and queues `send_bulk_emails` on commit, one task per
  `SEND_BATCH` rows, on the `bulk` queue, so that receipts and webhooks never wait behind it.
- `email_send_batch` claims the pending rows among its ids (`FOR UPDATE SKIP LOCKED`),
  renders each in its member's language, hands them to one backend connection and marks them
  sent a few at a time. A row is sent only by the task that claimed it; a message that fails
  goes back to pending (or failed, after MAX_ATTEMPTS) as in `email_send`.

Memory stays flat whatever the mailing's size: callers pass one batch at a time, and a send
task holds only its own rows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone

from members.models import OutboundEmail, User, normalize_email
from members.preferences import email_allowed

from . import hidden, kinds
from .services import MAX_ATTEMPTS, render

log = logging.getLogger(__name__)

SEND_BATCH = 100
# Rows are marked sent this many at a time: a worker killed mid-batch leaves at most this
# many claimed rows whose fate is unknown (the sweeper flags them; none is sent twice).
MARK_EVERY = 20


@dataclass(frozen=True)
class BulkItem:
    key: str
    user_id: int
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BulkResult:
    queued: int  # rows pending and queued for sending (new, or left pending earlier)
    skipped: int  # rows recorded as not sent (opted out, inactive, already decided so)
    existing: int  # keys that had a row already (sent or sending: nothing to do)


def email_enqueue_bulk(*, kind: str, items: Sequence[BulkItem]) -> BulkResult:
    """Record one email of bulk `kind` per item (unique key), honouring each member's
    preference; queue their sending on the bulk queue after commit.

    Idempotent per key: items whose key has a row already add nothing; those rows, if still
    pending (a crash after the commit, before the send), are queued again, which is harmless
    because only one task can claim a row. Call it inside the caller's transaction.
    """
    from members.tasks import send_bulk_emails

    mail_kind = kinds.get(kind)
    if not mail_kind.is_bulk:
        raise ValueError(f"{kind!r} is not a bulk kind (it names no preference)")
    preference = mail_kind.preference or ""
    # A bulk kind whose link acts for the member (a ballot link) is stored hidden, as one
    # email at a time is (members/mail/hidden.py); templated, so nothing waits in the cache.
    hide = hidden.must_hide(kind)
    users = User.objects.filter(pk__in=[i.user_id for i in items]).only(
        "pk", "email", "is_active", "erased_at", preference
    )
    by_id = {u.pk: u for u in users}
    rows = [
        OutboundEmail(
            key=item.key,
            kind=kind,
            to=normalize_email(user.email),
            user=user,
            context={**item.context, hidden.HIDDEN: True} if hide else item.context,
            status=OutboundEmail.Status.PENDING
            if email_allowed(user, preference)
            else OutboundEmail.Status.SKIPPED,
        )
        for item in items
        if (user := by_id.get(item.user_id)) is not None
    ]
    with transaction.atomic():
        OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        keys = [row.key for row in rows]
        state = dict(
            OutboundEmail.objects.filter(key__in=keys).values_list("pk", "status").iterator()
        )
    pending = sorted(pk for pk, status in state.items() if status == OutboundEmail.Status.PENDING)
    for start in range(0, len(pending), SEND_BATCH):
        send_bulk_emails.delay_on_commit(pending[start : start + SEND_BATCH])
    skipped = sum(1 for s in state.values() if s == OutboundEmail.Status.SKIPPED)
    return BulkResult(
        queued=len(pending), skipped=skipped, existing=len(state) - len(pending) - skipped
    )


# One statement each for claiming a batch and for marking it sent: the ORM's bulk_update
# builds a CASE expression per row and field, which cost more than rendering the emails.
_CLAIM_SQL = """
    UPDATE members_outboundemail
    SET status = 'sending', claimed_at = %s, attempts = attempts + 1
    WHERE id IN (
        SELECT id FROM members_outboundemail
        WHERE id = ANY(%s) AND status = 'pending'
        ORDER BY id
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id
"""

_MARK_SENT_SQL = """
    UPDATE members_outboundemail AS o
    SET status = 'sent', sent_at = %s, subject = v.subject, body_text = v.body_text,
        body_html = v.body_html, attachments = v.attachments::jsonb, last_error = ''
    FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])
         AS v(id, subject, body_text, body_html, attachments)
    WHERE o.id = v.id AND o.status = 'sending'
"""


def _claim_batch(email_ids: Sequence[int]) -> list[OutboundEmail]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, [timezone.now(), list(email_ids)])
        claimed = [row[0] for row in cursor.fetchall()]
    if not claimed:
        return []
    return list(OutboundEmail.objects.select_related("user").filter(pk__in=claimed).order_by("pk"))


def _mark_sent(rows: list[tuple[OutboundEmail, Any]]) -> None:
    ids, subjects, texts, htmls, attachments = [], [], [], [], []
    for row, message in rows:
        alternatives = getattr(message, "alternatives", [])
        hide = row.is_hidden or hidden.must_hide(row.kind)  # what was sent, not the credential
        ids.append(row.pk)
        subjects.append(message.subject)
        texts.append("" if hide else message.body)
        htmls.append("" if hide or not alternatives else alternatives[0][0])
        attachments.append(json.dumps([name for name, *_ in message.attachments]))
    with connection.cursor() as cursor:
        cursor.execute(_MARK_SENT_SQL, [timezone.now(), ids, subjects, texts, htmls, attachments])


def email_send_batch(*, email_ids: Sequence[int]) -> int:
    """Send the pending rows among `email_ids` through one backend connection; return how
    many this call sent. Safe to run twice or concurrently: a row is claimed once.

    If a message fails, its row goes back to pending (failed after MAX_ATTEMPTS) and the
    others are still sent; then the first error is raised, so that the task retries the
    rows left pending when the error is a transient one.
    """
    rows = _claim_batch(email_ids)
    if not rows:
        return 0
    sent = 0
    first_error: Exception | None = None
    ready: list[tuple[OutboundEmail, Any]] = []
    connection = get_connection()
    connection.open()
    try:
        for row in rows:
            try:
                message = render(row)
                message.connection = connection
                message.send(fail_silently=False)
            except Exception as exc:  # noqa: BLE001 - recorded on the row, raised after the rest
                final = row.attempts >= MAX_ATTEMPTS
                OutboundEmail.objects.filter(pk=row.pk).update(
                    status=OutboundEmail.Status.FAILED if final else OutboundEmail.Status.PENDING,
                    last_error=f"{type(exc).__name__}: {exc}"[:2000],
                )
                first_error = first_error or exc
                continue
            ready.append((row, message))
            if len(ready) >= MARK_EVERY:
                _mark_sent(ready)
                sent += len(ready)
                ready = []
        if ready:
            _mark_sent(ready)
            sent += len(ready)
    finally:
        connection.close()
    if first_error is not None:
        raise first_error
    return sent
