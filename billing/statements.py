"""Yearly giving statements: a PDF per member and calendar year, on "My support" at any time,
and emailed once each in January for the year before (beat, `send_giving_statements`)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from members.mail.kinds import Attachment, MailKind, register
from members.mail.services import email_enqueue
from members.models import OutboundEmail, User

from .selectors.statements import statement_for, statement_recipient_ids
from .statement_pdf import statement_pdf

log = logging.getLogger(__name__)

MAIL_KIND = "giving_statement"


def statement_key(*, user_id: int, year: int) -> str:
    return f"giving_statement:{year}:{user_id}"


def statements_send(*, year: int, batch: int = 500) -> int:
    """Queue one statement email per member who paid in `year`, once each (the ledger key is
    the member and the year). Keyset batches, each its own transaction: a rerun, or a run that
    stopped half-way, queues only what is missing. Returns how many were new."""
    queued = 0
    after = 0
    while ids := statement_recipient_ids(year=year, after=after, batch=batch):
        after = ids[-1]
        keys = {pk: statement_key(user_id=pk, year=year) for pk in ids}
        sent = set(
            OutboundEmail.objects.filter(key__in=keys.values()).values_list("key", flat=True)
        )
        with transaction.atomic():
            for user in User.objects.filter(pk__in=ids).order_by("pk"):
                if keys[user.pk] in sent:
                    continue
                email_enqueue(
                    key=keys[user.pk],
                    kind=MAIL_KIND,
                    to=user.email,
                    user=user,
                    context={"user_id": user.pk, "year": year},
                )
                queued += 1
    log.info("giving statements %s: %d queued", year, queued)
    return queued


def statements_send_due(*, today: date | None = None) -> int:
    """In January, the statements of the year before; any other month, nothing."""
    today = today or timezone.localdate()
    if today.month != 1:
        return 0
    return statements_send(year=today.year - 1)


def _context(data: dict[str, Any]) -> dict[str, Any]:
    from .receipts import _links

    user = User.objects.get(pk=data["user_id"])
    statement = statement_for(user=user, year=int(data["year"]))
    return {"statement": statement, "year": statement.year, **_links()}


def _attachments(data: dict[str, Any]) -> list[Attachment]:
    user = User.objects.get(pk=data["user_id"])
    year = int(data["year"])
    pdf = statement_pdf(statement_for(user=user, year=year))
    return [(f"giving-statement-{year}.pdf", pdf, "application/pdf")]


def register_kind() -> None:
    register(
        MailKind(
            name=MAIL_KIND,
            template_dir="billing/emails/giving_statement",
            build_context=_context,
            attachments=_attachments,
        )
    )
