"""Sending email exactly once.

1. `email_enqueue` writes an `OutboundEmail` row keyed by its cause, inside the caller's
   transaction, and queues `send_email` on commit. The unique key makes a second decision for
   the same cause a no-op.
2. `email_send` claims the row (pending -> sending, committed), renders and sends it, then
   marks it sent. A send that raises puts the row back to pending for a retry.
3. `outbox_sweep` (beat) re-queues pending rows whose task was lost, and flags rows stuck in
   "sending" (the worker died mid-send) as failed for a person to check: when we cannot know
   whether a message left, we do not send it a second time.

Emails that carry a credential (account mail: sign-in codes, reset and confirmation links)
are stored hidden: the row keeps kind, recipient, subject and status, the bodies wait in the
cache until sent (`hidden.py`).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from members.models import OutboundEmail, User, normalize_email

from . import hidden, kinds

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LOST_TASK_AFTER = timedelta(minutes=2)
LOST_BULK_TASK_AFTER = timedelta(minutes=30)
STUCK_SENDING_AFTER = timedelta(minutes=15)


def email_enqueue(
    *,
    key: str,
    kind: str,
    to: str,
    user: User | None = None,
    context: dict[str, Any] | None = None,
    subject: str = "",
    body_text: str = "",
    body_html: str = "",
    withhold: str = "",
) -> OutboundEmail:
    """Record that an email must be sent, once per `key`; queue its sending after commit.

    Idempotent: a second call with the same key returns the existing row and queues nothing.
    Call it inside the transaction that made the decision, so the decision and the ledger row
    commit (or roll back) together. Bulk kinds honour the member's email preferences: an
    opted-out member gets a row with status "skipped", recording that we chose not to send.
    Kinds without templates (allauth's account mail) pass the rendered subject and bodies.
    `withhold` (a reason) records the decision *not* to send this email: the row is "skipped",
    and any later decision for the same key finds it and sends nothing. A kind marked
    `secret` is stored with empty bodies (see `hidden.py`) unless EMAIL_REVEAL_SECRETS is on.
    """
    from members.preferences import email_allowed
    from members.tasks import send_bulk_emails, send_email

    mail_kind = kinds.get(kind)
    status = OutboundEmail.Status.PENDING
    if withhold or (
        mail_kind.preference and user is not None and not email_allowed(user, mail_kind.preference)
    ):
        status = OutboundEmail.Status.SKIPPED
    context = dict(context or {})
    hide = hidden.must_hide(kind)
    if hide:
        context[hidden.HIDDEN] = True
    try:
        with transaction.atomic():
            row = OutboundEmail.objects.create(
                key=key,
                kind=kind,
                to=normalize_email(to),
                user=user,
                context=context,
                status=status,
                subject=subject,
                body_text="" if hide else body_text,
                body_html="" if hide else body_html,
                last_error=withhold,
            )
            # A templated kind renders its credential (a signed link) at send time, from the
            # ids in its context; only pre-rendered bodies wait in the cache.
            if hide and status == OutboundEmail.Status.PENDING and not mail_kind.template_dir:
                hidden.hidden_content_keep(ledger_key=key, body_text=body_text, body_html=body_html)
    except IntegrityError:
        return OutboundEmail.objects.get(key=key)
    if status == OutboundEmail.Status.PENDING:
        # Bulk mail has its own queue, so that a newsletter never delays a receipt.
        if mail_kind.is_bulk:
            send_bulk_emails.delay_on_commit([row.pk])
        else:
            send_email.delay_on_commit(row.pk)
    return row


def _claim(email_id: int) -> OutboundEmail | None:
    with transaction.atomic():
        row = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutboundEmail.Status.PENDING)
            .first()
        )
        if row is None:
            return None  # sent already, or another worker holds it
        row.status = OutboundEmail.Status.SENDING
        row.claimed_at = timezone.now()
        row.attempts += 1
        row.save(update_fields=["status", "claimed_at", "attempts"])
        return row


def message_id_for(key: str) -> str:
    """A stable Message-ID per ledger key: should a message ever go out twice, mail clients
    see the same message and show it once."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "localhost"
    return f"<{digest}@{domain}>"


def render(row: OutboundEmail) -> EmailMultiAlternatives:
    """Build the message for a ledger row, in the member's language."""
    from members.unsubscribe import unsubscribe_url

    mail_kind = kinds.get(row.kind)
    context: dict[str, Any] = {
        **row.context,
        "newsroom": settings.NEWSROOM,
        "site_url": settings.SITE_URL,
        "user": row.user,
        "email_kind": row.kind,
    }
    headers = {"Message-ID": message_id_for(row.key), **mail_kind.extra_headers}
    if mail_kind.is_bulk and row.user is not None:
        link = unsubscribe_url(row.user, mail_kind.preference or "")
        context["unsubscribe_url"] = link
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if row.is_hidden and not mail_kind.template_dir:
        text, html = hidden.hidden_content_get(row)
        subject, files = row.subject, []
    elif not mail_kind.template_dir:
        subject, text, html, files = row.subject, row.body_text, row.body_html, []
    else:
        subject, text, html, files = _render_templates(row, mail_kind, context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to],
        headers=headers,
    )
    if html:
        message.attach_alternative(html, "text/html")
    for name, content, mimetype in files:
        message.attach(name, content, mimetype)
    return message


def _render_templates(
    row: OutboundEmail, mail_kind: kinds.MailKind, context: dict[str, Any]
) -> tuple[str, str, str, list[kinds.Attachment]]:
    # A member's own language; for mail to a reader without an account (a correction's
    # answer), the language its context names (the one they wrote in).
    language = (
        getattr(row.user, "preferred_language", "")
        or (row.context or {}).get("language", "")
        or settings.LANGUAGE_CODE
    )
    with translation.override(language):
        if mail_kind.build_context:
            context.update(mail_kind.build_context(row.context))
        base = mail_kind.template_dir.rstrip("/")
        subject = " ".join(render_to_string(f"{base}/subject.txt", context).split())
        text = render_to_string(f"{base}/body.txt", context)
        try:
            html = render_to_string(f"{base}/body.html", context)
        except TemplateDoesNotExist:
            html = ""
        files = mail_kind.attachments(row.context) if mail_kind.attachments else []
    return subject, text, html, files


def email_send(*, email_id: int) -> bool:
    """Send one ledger row if it is still pending. Returns True if this call sent it.

    Safe to call any number of times, concurrently: only the caller that claims the row sends.
    """
    row = _claim(email_id)
    if row is None:
        return False
    try:
        message = render(row)
        message.send(fail_silently=False)
    except hidden.HiddenContentGone as exc:
        # Retrying cannot bring the content back: record it and stop.
        OutboundEmail.objects.filter(pk=row.pk).update(
            status=OutboundEmail.Status.FAILED, last_error=str(exc)
        )
        return False
    except Exception as exc:
        final = row.attempts >= MAX_ATTEMPTS
        OutboundEmail.objects.filter(pk=row.pk).update(
            status=OutboundEmail.Status.FAILED if final else OutboundEmail.Status.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        if final and row.is_hidden:
            hidden.hidden_content_forget(row)
        raise
    alternatives = getattr(message, "alternatives", [])
    # What was sent, as sent; a credential only as "hidden" (a row written while
    # EMAIL_REVEAL_SECRETS was on is hidden from now on if it is off for the sender).
    hide = row.is_hidden or hidden.must_hide(row.kind)
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=OutboundEmail.Status.SENT,
        sent_at=timezone.now(),
        subject=message.subject,
        body_text="" if hide else message.body,
        body_html="" if hide or not alternatives else alternatives[0][0],
        context={**row.context, hidden.HIDDEN: True} if hide else row.context,
        attachments=[name for name, *_ in message.attachments],
        last_error="",
    )
    if hide:
        hidden.hidden_content_forget(row)
    return True


def outbox_sweep() -> dict[str, int]:
    """Re-queue pending rows whose send task was lost; flag rows stuck mid-send.

    Bulk rows are re-queued on the bulk queue, and only after LOST_BULK_TASK_AFTER: a
    mailing to every member may rightly keep rows waiting in its queue for minutes.
    """
    from members.tasks import send_bulk_emails, send_email

    now = timezone.now()
    bulk_kinds = [name for name, kind in kinds.all_kinds().items() if kind.is_bulk]
    pending = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.PENDING, attempts__lt=MAX_ATTEMPTS
    )
    lost = list(
        pending.filter(created_at__lt=now - LOST_TASK_AFTER)
        .exclude(kind__in=bulk_kinds)
        .values_list("pk", flat=True)[:500]
    )
    for pk in lost:
        send_email.delay(pk)
    lost_bulk = list(
        pending.filter(created_at__lt=now - LOST_BULK_TASK_AFTER, kind__in=bulk_kinds)
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
    for start in range(0, len(lost_bulk), 100):
        send_bulk_emails.delay(lost_bulk[start : start + 100])
    lost += lost_bulk
    stuck = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENDING, claimed_at__lt=now - STUCK_SENDING_AFTER
    ).update(
        status=OutboundEmail.Status.FAILED,
        last_error="The worker stopped while sending; delivery unknown, not resent.",
    )
    if lost or stuck:
        log.warning("outbox sweep: re-queued %d, flagged %d stuck", len(lost), stuck)
    return {"requeued": len(lost), "stuck": stuck}
