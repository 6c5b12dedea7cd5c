"""Casting a ballot, and flagging ballots of members whose money went back during the round."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from billing.selectors import reversals_between

from ..models import Ballot, Round, Topic
from .eligibility import REASONS, TOO_NEW, Eligibility, eligibility_for

log = logging.getLogger(__name__)


class BallotRefused(Exception):
    """The ballot was not recorded; the message says why, for the member."""

    def __init__(self, message: str, *, code: str, eligibility: Eligibility | None = None):
        super().__init__(message)
        self.code = code
        self.eligibility = eligibility


def _lock_member_ballot(rnd: Round, user_id: int) -> None:
    """Serialise the casts of one member in one round (the unique constraint is the backstop),
    so 50 concurrent submits are 50 changes of one ballot, not 49 errors."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"support.ballot:{rnd.pk}:{user_id}"],
        )


def _round_for_casting(round_id: int) -> Round:
    """The round, read under a share lock: closing takes the row FOR UPDATE, so it waits for
    ballots being cast, and a ballot cast after the close sees the round closed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM support_round WHERE id = %s FOR SHARE", [round_id])
    return Round.objects.get(pk=round_id)


def refusal_message(eligibility: Eligibility, rnd: Round) -> str:
    message = REASONS[eligibility.reason]
    if eligibility.reason == TOO_NEW and eligibility.eligible_from:
        when = formats.date_format(timezone.localtime(eligibility.eligible_from), "j F Y, H:i")
        return str(message) % {"days": rnd.min_patron_days, "when": when}
    return str(message)


def clean_choices(rnd: Round, topic_ids: Sequence[int]) -> list[int]:
    """The choices in order, checked against the round's method and its topics on the
    ballot; `BallotRefused` (code "choices") if they do not fit."""
    choices = [int(t) for t in topic_ids]
    if not choices:
        raise BallotRefused(str(_("Choose at least one topic.")), code="choices")
    if len(set(choices)) != len(choices):
        raise BallotRefused(str(_("Choose each topic only once.")), code="choices")
    if len(choices) > rnd.choices_allowed:
        raise BallotRefused(
            str(_("Choose at most %(n)s topics.")) % {"n": rnd.choices_allowed}, code="choices"
        )
    on_ballot = set(
        Topic.objects.filter(round=rnd, pk__in=choices, status=Topic.Status.APPROVED).values_list(
            "pk", flat=True
        )
    )
    if on_ballot != set(choices):
        raise BallotRefused(
            str(_("One of the topics you chose is not on this ballot any more.")), code="choices"
        )
    return choices


def ballot_cast(*, rnd: Round, user_id: int, topic_ids: Sequence[int]) -> Ballot:
    """Record `user_id`'s ballot in `rnd`, or change it: one ballot per member and round.

    Guarantees: the round is open now and stays open until this commits (share lock on the
    round, which closing takes exclusively); the member is eligible now by the membership
    history (entitled, a patron for long enough without a break, through an allowed tier);
    the choices fit the method. Concurrent casts of one member are serialised by an
    advisory lock, so exactly one ballot remains, holding the last cast. Raises
    `BallotRefused` with a message for the member, and records nothing then.
    """
    with transaction.atomic():
        rnd = _round_for_casting(rnd.pk)
        now = timezone.now()
        if not rnd.accepts_ballots_at(now):
            raise BallotRefused(str(_("This vote is not open.")), code="closed")
        eligibility = eligibility_for(rnd=rnd, user_id=user_id, at=now)
        if not eligibility.eligible:
            raise BallotRefused(
                refusal_message(eligibility, rnd), code=eligibility.reason, eligibility=eligibility
            )
        choices = clean_choices(rnd, topic_ids)
        _lock_member_ballot(rnd, user_id)
        ballot = Ballot.objects.filter(round=rnd, user_id=user_id).first()
        if ballot is None:
            ballot = Ballot.objects.create(
                round=rnd,
                user_id=user_id,
                choices=choices,
                weight=eligibility.weight,
                cast_at=now,
                changed_at=now,
            )
        else:
            ballot.choices = choices
            ballot.weight = eligibility.weight
            ballot.changed_at = now
            ballot.changes += 1
            ballot.save(update_fields=["choices", "weight", "changed_at", "changes"])
    return ballot


def ballots_flag_reversals(*, rnd: Round, until: datetime | None = None) -> int:
    """Flag for staff the ballots of members with a refund or a dispute dated within the
    round (from its opening to its close, or `until`). Idempotent: a ballot is flagged once,
    with its first reason. Returns how many ballots were newly flagged."""
    end = min(until or timezone.now(), rnd.closes_at)
    if end <= rnd.opens_at:
        return 0
    flagged = 0
    now = timezone.now()
    for reversal in reversals_between(since=rnd.opens_at, until=end):
        flagged += Ballot.objects.filter(
            round=rnd, user_id=reversal.user_id, flagged_at__isnull=True
        ).update(flagged_at=now, flag=reversal.kind, flag_event_at=reversal.occurred_at)
    if flagged:
        log.info("round %s: flagged %d ballots for refunds or disputes", rnd.pk, flagged)
    return flagged
