"""Voting's bulk mail: invitations when a round opens, reminders a day before it closes, and
"we covered it" to the voters of a topic. One email per member per cause, through the email
ledger (`members.mail.bulk`), sent on the bulk queue.

A mailing is a `Mailing` row and a chain of `mailing_step` tasks. Each step takes the next
batch of members after the mailing's cursor (eligible ones, by billing's keyset over the
membership history; or the topic's voters), writes their ledger rows, moves the cursor and
queues the next step, all in one transaction. Memory stays flat whatever the number of
members; a step that dies is re-run from the same cursor, and the ledger's unique keys make
its second run add nothing. Progress (queued, then sent, of the total) is on the round's
staff page.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from members.mail.bulk import BulkItem, email_enqueue_bulk
from members.selectors import email_status_counts

from ..models import Ballot, Mailing, Round, Topic
from .eligibility import eligible_member_batches

log = logging.getLogger(__name__)

STEP = 2000
STALLED_AFTER = timedelta(minutes=5)

KIND_OF = {
    Mailing.Kind.INVITATION: "vote_invitation",
    Mailing.Kind.REMINDER: "vote_reminder",
    Mailing.Kind.COVERED: "topic_covered",
}


def key_prefix(mailing: Mailing) -> str:
    if mailing.kind == Mailing.Kind.COVERED:
        return f"topic_covered:{mailing.topic_id}:"
    return f"{KIND_OF[mailing.kind]}:{mailing.round_id}:"


def mailing_start(*, rnd: Round, kind: str, topic: Topic | None = None) -> Mailing | None:
    """Create the mailing (once per round, kind and topic) and queue its first step on
    commit. Returns None if it exists already. Call inside the transaction that decided it."""
    from .tasks import mailing_step

    mailing, created = Mailing.objects.get_or_create(round=rnd, kind=kind, topic=topic)
    if not created:
        return None
    mailing_step.delay_on_commit(mailing.pk)
    return mailing


def _next_members(mailing: Mailing, rnd: Round) -> tuple[list[int], int]:
    """The next batch of recipients after the cursor, and where the cursor goes next."""
    if mailing.kind == Mailing.Kind.COVERED:
        # Voters of the topic, whatever rank they gave it; anonymised ballots have no one.
        voters = list(
            Ballot.objects.filter(
                round_id=mailing.round_id,
                choices__contains=[mailing.topic_id],
                user_id__gt=mailing.cursor,
            )
            .order_by("user_id")
            .values_list("user_id", flat=True)[:STEP]
        )
        return voters, voters[-1] if voters else mailing.cursor
    batch = next(iter(eligible_member_batches(rnd=rnd, after=mailing.cursor, batch=STEP)), [])
    if not batch:
        return [], mailing.cursor
    if mailing.kind == Mailing.Kind.REMINDER:
        voted = set(
            Ballot.objects.filter(round=rnd, user_id__in=batch).values_list("user_id", flat=True)
        )
        # The cursor moves past this whole batch, voters included.
        return [u for u in batch if u not in voted], batch[-1]
    return batch, batch[-1]


def _context(mailing: Mailing, user_id: int) -> dict[str, int]:
    context = {"round_id": mailing.round_id, "user_id": user_id}
    if mailing.topic_id:
        context["topic_id"] = mailing.topic_id
    return context


def mailing_step_run(*, mailing_id: int) -> bool:
    """One step of a mailing: the next batch of members' ledger rows, the cursor moved, the
    next step queued on commit. Returns False when the mailing is finished. A step for a
    round that closed meanwhile finishes the mailing (an invitation to a closed vote helps
    nobody)."""
    from .tasks import mailing_step

    with transaction.atomic():
        mailing = Mailing.objects.select_for_update(skip_locked=True).filter(pk=mailing_id).first()
        if mailing is None or mailing.finished_at is not None:
            return False  # finished, or another step holds it
        rnd = Round.objects.get(pk=mailing.round_id)
        recipients, cursor = _next_members(mailing, rnd)
        closed_meanwhile = mailing.kind != Mailing.Kind.COVERED and not rnd.is_open
        if cursor == mailing.cursor or closed_meanwhile:
            mailing.finished_at = timezone.now()
            mailing.save(update_fields=["finished_at"])
            return False
        kind = KIND_OF[mailing.kind]
        prefix = key_prefix(mailing)
        result = email_enqueue_bulk(
            kind=kind,
            items=[BulkItem(f"{prefix}{u}", u, _context(mailing, u)) for u in recipients],
        )
        mailing.cursor = cursor
        mailing.queued += result.queued
        mailing.skipped += result.skipped
        mailing.steps += 1
        mailing.stepped_at = timezone.now()
        mailing.save(update_fields=["cursor", "queued", "skipped", "steps", "stepped_at"])
        mailing_step.delay_on_commit(mailing.pk)
    return True


def mailings_resume(*, stalled_for: timedelta = STALLED_AFTER) -> int:
    """Queue a step again for each unfinished mailing that has not moved for a while (its
    task was lost: Redis down at the commit, a worker killed). A step that was only slow
    meets the row lock of the live one and does nothing."""
    from .tasks import mailing_step

    stalled = list(
        Mailing.objects.filter(
            finished_at__isnull=True, stepped_at__lt=timezone.now() - stalled_for
        ).values_list("pk", flat=True)
    )
    for pk in stalled:
        mailing_step.delay(pk)
    return len(stalled)


def mailing_progress(mailing: Mailing) -> dict[str, int | bool]:
    counts = email_status_counts(kind=KIND_OF[mailing.kind], key_prefix=key_prefix(mailing))
    total = sum(v for k, v in counts.items() if k != "skipped")
    return {
        **counts,
        "total": total,
        "finished": mailing.finished_at is not None,
        "done": mailing.finished_at is not None and counts["sent"] + counts["failed"] == total,
    }
