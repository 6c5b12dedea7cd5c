"""Writes: a reader's report, and an editor moving it along the queue.

Every change goes through these functions, each in one transaction holding the request's row
lock, so two editors deciding at once cannot both win: the second sees the first's decision
and is refused. The reader's email (if they left an address) is decided in the same
transaction, through the email ledger, once per request.
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.selectors import entitlement_for
from members.mail.services import email_enqueue
from members.models import User
from support.models import CorrectionRequest

# No 0/O, 1/I/L: a reference read out over the phone is still one reference.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
Status = CorrectionRequest.Status


class CorrectionRefused(Exception):
    """The change cannot be made; the message is for the editor."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _reference() -> str:
    return "CR-" + "".join(secrets.choice(ALPHABET) for _ in range(8))


def correction_submit(
    *,
    article_url: str,
    article_title: str,
    problem: str,
    evidence: str = "",
    name: str = "",
    email: str = "",
    language: str = "en",
    user: User | None = None,
) -> CorrectionRequest:
    """Record a reader's report with a fresh reference. A signed-in reader entitled now (by
    the membership history) is marked as a patron. Retries on the rare reference clash."""
    from_patron = bool(user and entitlement_for(user_id=user.pk).entitled)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return CorrectionRequest.objects.create(
                    reference=_reference(),
                    article_url=article_url,
                    article_title=article_title.strip(),
                    problem=problem.strip(),
                    evidence=evidence.strip(),
                    name=name.strip(),
                    email=email.strip().lower(),
                    language=language,
                    user=user,
                    from_patron=from_patron,
                )
        except IntegrityError:
            continue
    raise RuntimeError("no free correction reference after 5 tries")


def _locked(correction_id: int) -> CorrectionRequest:
    return CorrectionRequest.objects.select_for_update().get(pk=correction_id)


@transaction.atomic
def correction_review(*, correction_id: int, editor: User) -> CorrectionRequest:
    """Mark a new request as under review by `editor`. Idempotent for one under review."""
    row = _locked(correction_id)
    if row.status == Status.UNDER_REVIEW:
        return row
    if row.status != Status.NEW:
        raise CorrectionRefused(_("This request has been decided already."))
    row.status = Status.UNDER_REVIEW
    row.reviewed_at = timezone.now()
    row.reviewed_by = editor
    row.save(update_fields=["status", "reviewed_at", "reviewed_by"])
    return row


@transaction.atomic
def correction_resolve(
    *, correction_id: int, editor: User, outcome: str, note: str = "", reason: str = ""
) -> CorrectionRequest:
    """Decide an open request: corrected or clarified (with the note published on the
    article, shown in the public log) or declined (with the reason the reader is told).

    A decision is final: a second one is refused, so the reader gets one email (ledger key
    `correction_resolved:<id>`), queued when this transaction commits.
    """
    row = _locked(correction_id)
    if not row.is_open:
        raise CorrectionRefused(_("This request has been decided already."))
    note, reason = note.strip(), reason.strip()
    if outcome in (Status.CORRECTED, Status.CLARIFIED):
        if not note:
            raise CorrectionRefused(_("Write the note published on the article."), field="note")
        row.published_note, row.decline_reason = note, ""
    elif outcome == Status.DECLINED:
        if not reason:
            raise CorrectionRefused(_("Write why the request is declined."), field="reason")
        row.published_note, row.decline_reason = "", reason
    else:
        raise CorrectionRefused(_("Choose what was decided."), field="outcome")
    now = timezone.now()
    row.status = outcome
    row.resolved_at, row.resolved_by = now, editor
    if row.reviewed_at is None:
        row.reviewed_at, row.reviewed_by = now, editor
    row.save()
    if row.email:
        email_enqueue(
            key=f"correction_resolved:{row.pk}",
            kind="correction_resolved",
            to=row.email,
            user=row.user,
            context={"correction_id": row.pk, "language": row.language},
        )
    return row
