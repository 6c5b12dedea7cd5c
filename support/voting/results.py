"""Counting a round's ballots from the database, and keeping the result.

The counting itself is in `tally.py` (pure). Here PostgreSQL does the heavy part: single
choice and approval are one `GROUP BY` over the unnested choices; ranked choice reads each
distinct ranking once with its total weight (`GROUP BY choices`), so instant runoff runs over
a few hundred entries however many ballots there are.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import connection
from django.utils import timezone

from ..models import Ballot, Round, RoundResult, Topic
from . import tally

_VOTES_SQL = """
    SELECT choice, sum(weight)
    FROM support_ballot, unnest(choices) AS choice
    WHERE round_id = %s
    GROUP BY choice
"""

_RANKINGS_SQL = """
    SELECT choices, sum(weight)
    FROM support_ballot
    WHERE round_id = %s
    GROUP BY choices
"""


def candidates_of(rnd: Round) -> list[Topic]:
    return list(
        Topic.objects.filter(round=rnd, status=Topic.Status.APPROVED).order_by("position", "pk")
    )


def round_count(*, rnd: Round, seed: str, candidates: list[int] | None = None) -> tally.Outcome:
    """Count the ballots of `rnd` now (reads only). Ballots naming a topic that is no longer
    a candidate count for their other choices."""
    ids = candidates if candidates is not None else [t.pk for t in candidates_of(rnd)]
    allowed = set(ids)
    with connection.cursor() as cursor:
        if rnd.method == Round.Method.RANKED:
            cursor.execute(_RANKINGS_SQL, [rnd.pk])
            rankings: dict[tuple[int, ...], int] = {}
            for choices, weight in cursor.fetchall():
                key = tuple(c for c in choices if c in allowed)
                rankings[key] = rankings.get(key, 0) + int(weight)
            return tally.instant_runoff(rankings, candidates=ids, seed=seed)
        cursor.execute(_VOTES_SQL, [rnd.pk])
        counts = {int(t): int(v) for t, v in cursor.fetchall() if t in allowed}
    return tally.count_votes(counts, candidates=ids, seed=seed)


def weights_shown(rnd: Round) -> dict[str, int]:
    return {k: int(v) for k, v in (rnd.tier_weights or {}).items()} if rnd.tier_weighting else {}


def result_compute(*, rnd: Round, eligible: int, seed: str | None = None) -> RoundResult:
    """Count `rnd` and store its result; called once, by `round_close`, inside its
    transaction (the round row locked). `eligible` is the turnout's denominator."""
    seed = seed or secrets.token_hex(16)
    topics = candidates_of(rnd)
    outcome = round_count(rnd=rnd, seed=seed, candidates=[t.pk for t in topics])
    ballots = Ballot.objects.filter(round=rnd)
    data: dict[str, Any] = {
        "candidates": [{"id": t.pk, "title": t.title} for t in topics],
        **outcome.as_dict(),
    }
    return RoundResult.objects.create(
        round=rnd,
        method=rnd.method,
        tie_rule=tally.TIE_RULE,
        seed=seed,
        eligible=eligible,
        ballots=ballots.count(),
        flagged=ballots.filter(flagged_at__isnull=False).count(),
        weighted=rnd.tier_weighting,
        weights=weights_shown(rnd),
        note=rnd.advisory_note,
        tally=data,
        computed_at=timezone.now(),
    )
