"""A round's life: draft -> scheduled -> open -> closed -> results published.

Editors write drafts, schedule them and publish results; the beat task (`rounds_tick`,
every 30 seconds) opens scheduled rounds and closes open ones on time. Every transition
locks the round row and checks its status first, so running it twice, or from two beat
processes at once, changes nothing the second time. Once open, a round's rules are fixed;
editors may extend it (a later close), never shorten it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Ballot, Mailing, Round, RoundResult, Topic
from .ballots import ballots_flag_reversals
from .eligibility import eligible_member_batches
from .results import result_compute

log = logging.getLogger(__name__)

REMINDER_BEFORE_CLOSE = timedelta(hours=24)

# Fields an editor may change while a round is a draft or scheduled; once open, only the
# words (and a later close, through `round_extend`).
RULES = (
    "slug",  # the address is in every invitation's link: fixed once the round opens
    "opens_at",
    "closes_at",
    "method",
    "max_choices",
    "allowed_tier_ids",
    "min_patron_days",
    "tier_weighting",
    "tier_weights",
    "suggestion_limit",
    "results_visibility",
)
WORDS = ("title", "question", "description", "advisory_note")
SHORTEN_REFUSED = _("A vote can be extended, not shortened: choose a later close.")


class RoundRefused(Exception):
    """The change was not made; the message says why, for the editor."""


def _locked(rnd: Round) -> Round:
    return Round.objects.select_for_update().get(pk=rnd.pk)


def _check_times(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise RoundRefused(_("The vote must close after it opens."))


def round_create(*, fields: dict[str, Any]) -> Round:
    """A new draft round. `fields` are the model's (validated by the form)."""
    _check_times(fields["opens_at"], fields["closes_at"])
    return Round.objects.create(status=Round.Status.DRAFT, **fields)


@transaction.atomic
def round_update(*, rnd: Round, fields: dict[str, Any]) -> Round:
    """Change a round. Drafts and scheduled rounds may change anything; open rounds only
    their words and, later, their close (use `round_extend`); closed rounds nothing."""
    rnd = _locked(rnd)
    if rnd.status in (Round.Status.CLOSED, Round.Status.PUBLISHED):
        raise RoundRefused(_("This vote has closed; it cannot change any more."))
    allowed = WORDS + (RULES if rnd.status in (Round.Status.DRAFT, Round.Status.SCHEDULED) else ())
    changed = [name for name, value in fields.items() if getattr(rnd, name) != value]
    if rnd.status == Round.Status.OPEN and "closes_at" in changed:
        if fields["closes_at"] < rnd.closes_at:
            raise RoundRefused(SHORTEN_REFUSED)
        allowed += ("closes_at",)
    if any(name not in allowed for name in changed):
        raise RoundRefused(_("Once a vote is open, its rules stay as they are."))
    for name in changed:
        setattr(rnd, name, fields[name])
    _check_times(rnd.opens_at, rnd.closes_at)
    rnd.save()
    return rnd


@transaction.atomic
def round_extend(*, rnd: Round, closes_at: datetime) -> Round:
    """Close an open (or scheduled) round later. Never earlier: members were told when it
    closes, and their links are valid until then."""
    rnd = _locked(rnd)
    if rnd.status not in (Round.Status.SCHEDULED, Round.Status.OPEN):
        raise RoundRefused(_("Only a scheduled or open vote can be extended."))
    if closes_at <= rnd.closes_at:
        raise RoundRefused(SHORTEN_REFUSED)
    rnd.closes_at = closes_at
    rnd.save(update_fields=["closes_at", "updated_at"])
    return rnd


@transaction.atomic
def round_schedule(*, rnd: Round) -> Round:
    """Draft -> scheduled: it opens by itself at `opens_at` (at once, if that has passed).
    Needs two topics on the ballot and a close in the future."""
    rnd = _locked(rnd)
    if rnd.status != Round.Status.DRAFT:
        raise RoundRefused(_("Only a draft can be scheduled."))
    if rnd.closes_at <= timezone.now():
        raise RoundRefused(_("The close is in the past: choose a later one."))
    if Topic.objects.filter(round=rnd, status=Topic.Status.APPROVED).count() < 2:
        raise RoundRefused(_("A vote needs at least two topics on the ballot."))
    rnd.status = Round.Status.SCHEDULED
    rnd.save(update_fields=["status", "updated_at"])
    return rnd


@transaction.atomic
def round_unschedule(*, rnd: Round) -> Round:
    rnd = _locked(rnd)
    if rnd.status != Round.Status.SCHEDULED:
        raise RoundRefused(_("Only a scheduled vote can go back to draft."))
    rnd.status = Round.Status.DRAFT
    rnd.save(update_fields=["status", "updated_at"])
    return rnd


def round_open(*, rnd: Round, now: datetime | None = None) -> bool:
    """Scheduled -> open once `opens_at` has come; starts the invitations (one email per
    eligible member, on the bulk queue). Idempotent; True if this call opened it."""
    from .mailings import mailing_start

    now = now or timezone.now()
    with transaction.atomic():
        rnd = _locked(rnd)
        if rnd.status != Round.Status.SCHEDULED or rnd.opens_at > now:
            return False
        rnd.status = Round.Status.OPEN
        rnd.opened_at = now
        rnd.save(update_fields=["status", "opened_at", "updated_at"])
        mailing_start(rnd=rnd, kind=Mailing.Kind.INVITATION)
    log.info("round %s opened", rnd.pk)
    return True


def _eligible_for_turnout(rnd: Round, at: datetime) -> int:
    """Members eligible at the close, plus those who voted but are not any more (a voter
    whose membership lapsed still cast an eligible ballot): turnout never exceeds 100%."""
    ballots = Ballot.objects.filter(round=rnd)
    total = ballots.count()
    eligible = voted_and_eligible = 0
    for ids in eligible_member_batches(rnd=rnd, at=at):
        eligible += len(ids)
        voted_and_eligible += ballots.filter(user_id__in=ids).count()
    return eligible + total - voted_and_eligible


def round_close(*, rnd: Round, now: datetime | None = None, seed: str | None = None) -> bool:
    """Open -> closed once `closes_at` has come: flags ballots of members with a refund or
    a dispute during the round, counts the ballots and stores the result, once. The row
    lock waits for ballots being cast (they hold it shared). Idempotent; True if this call
    closed it."""
    now = now or timezone.now()
    with transaction.atomic():
        rnd = _locked(rnd)
        if rnd.status != Round.Status.OPEN or rnd.closes_at > now:
            return False
        ballots_flag_reversals(rnd=rnd, until=rnd.closes_at)
        result_compute(rnd=rnd, eligible=_eligible_for_turnout(rnd, rnd.closes_at), seed=seed)
        rnd.status = Round.Status.CLOSED
        rnd.closed_at = now
        rnd.save(update_fields=["status", "closed_at", "updated_at"])
    log.info("round %s closed", rnd.pk)
    return True


@transaction.atomic
def round_publish(*, rnd: Round) -> Round:
    """Closed -> results published (shown to whom the round says)."""
    rnd = _locked(rnd)
    if rnd.status != Round.Status.CLOSED or not RoundResult.objects.filter(round=rnd).exists():
        raise RoundRefused(_("Only the results of a closed vote can be published."))
    rnd.status = Round.Status.PUBLISHED
    rnd.published_at = timezone.now()
    rnd.save(update_fields=["status", "published_at", "updated_at"])
    return rnd


def reminder_due_at(rnd: Round) -> datetime | None:
    """A day before the close; none for a round open for less than a day."""
    due = rnd.closes_at - REMINDER_BEFORE_CLOSE
    return due if due > rnd.opens_at else None


def round_remind(*, rnd: Round, now: datetime | None = None) -> bool:
    """Start the reminders of an open round once they are due (once per round)."""
    from .mailings import mailing_start

    now = now or timezone.now()
    due = reminder_due_at(rnd)
    if rnd.status != Round.Status.OPEN or due is None or now < due or now >= rnd.closes_at:
        return False
    with transaction.atomic():
        rnd = _locked(rnd)
        if rnd.status != Round.Status.OPEN:
            return False
        return mailing_start(rnd=rnd, kind=Mailing.Kind.REMINDER) is not None


@dataclass
class TickReport:
    opened: int = 0
    closed: int = 0
    reminded: int = 0
    flagged: int = 0
    resumed: int = 0


def rounds_tick(*, now: datetime | None = None) -> TickReport:
    """What beat does every 30 seconds: open the rounds due to open, close those due to
    close, start reminders that are due, flag ballots of members with new refunds or
    disputes, and resume mailings whose chain of steps was lost. Idempotent."""
    from .mailings import mailings_resume

    now = now or timezone.now()
    report = TickReport()
    for rnd in Round.objects.filter(status=Round.Status.SCHEDULED, opens_at__lte=now):
        report.opened += round_open(rnd=rnd, now=now)
    for rnd in Round.objects.filter(status=Round.Status.OPEN, closes_at__lte=now):
        report.closed += round_close(rnd=rnd, now=now)
    for rnd in Round.objects.filter(status=Round.Status.OPEN, closes_at__gt=now):
        report.reminded += round_remind(rnd=rnd, now=now)
        report.flagged += ballots_flag_reversals(rnd=rnd, until=now)
    report.resumed = mailings_resume()
    return report
