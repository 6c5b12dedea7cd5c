"""Counting ballots: pure functions over (choices, weight) pairs, no database.

Single choice and approval count each topic's votes (a ballot's weight each). Ranked choice
is counted by instant runoff: each round a ballot counts for its highest-ranked topic still
in the race; a topic with more than half of the ballots still counting wins; otherwise the
topic with the fewest votes is eliminated and its ballots move on to their next choice. A
ballot whose topics are all eliminated is exhausted and counts no more.

Ties are broken by one rule, published with every result (`TIE_RULE`): among the topics tied
for elimination, the one with fewer votes in the previous round goes; if still tied, the one
with fewer first preferences; if still tied, a lot decides. The lot is reproducible by anyone
from the seed published with the results: for each tied topic compute
SHA-256("<seed>:<round number>:<topic id>") and the lowest digest loses. Single choice and
approval use the same lot (round number 1) to order topics with equal votes, so a tie for
first place is decided, and shown as decided by lot.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TIE_RULE = (
    "Ties for elimination are broken by fewer votes in the previous round, then by fewer "
    "first preferences, then by a lot: the tied topic with the lowest "
    'SHA-256("<seed>:<round>:<topic id>") goes. Equal totals in single-choice and approval '
    "votes are ordered by the same lot (round 1)."
)

PREVIOUS_ROUND = "previous_round"
FIRST_PREFERENCES = "first_preferences"
LOT = "lot"


def lot_key(seed: str, round_number: int, topic_id: int) -> str:
    return hashlib.sha256(f"{seed}:{round_number}:{topic_id}".encode()).hexdigest()


def lot_loser(candidates: Iterable[int], *, seed: str, round_number: int) -> int:
    """The topic the lot eliminates among `candidates`: the lowest digest."""
    return min(candidates, key=lambda t: lot_key(seed, round_number, t))


@dataclass
class Tie:
    tied: list[int]
    decided_by: str  # PREVIOUS_ROUND, FIRST_PREFERENCES or LOT

    def as_dict(self) -> dict[str, Any]:
        return {"tied": self.tied, "decided_by": self.decided_by}


@dataclass
class RunoffRound:
    number: int
    counts: dict[int, int]
    exhausted: int
    eliminated: int | None = None
    tie: Tie | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "counts": {str(k): v for k, v in self.counts.items()},
            "exhausted": self.exhausted,
            "eliminated": self.eliminated,
            "tie": self.tie.as_dict() if self.tie else None,
        }


@dataclass
class Outcome:
    """What a count found. `totals` is ordered, best first: for instant runoff, by the round
    each topic was last in and its votes there (the winner first)."""

    totals: list[tuple[int, int]]
    winner: int | None
    winner_by_lot: bool = False
    rounds: list[RunoffRound] = field(default_factory=list)
    ties: list[Tie] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "totals": [{"topic": t, "votes": v} for t, v in self.totals],
            "winner": self.winner,
            "winner_by_lot": self.winner_by_lot,
            "rounds": [r.as_dict() for r in self.rounds],
            "ties": [t.as_dict() for t in self.ties],
        }


def count_votes(counts: Mapping[int, int], *, candidates: Sequence[int], seed: str) -> Outcome:
    """Single choice and approval: votes per topic (every candidate, zero included), most
    first, equal totals ordered by the lot. The winner is the first, if anyone voted."""
    votes = {t: int(counts.get(t, 0)) for t in candidates}
    # Highest votes first; among equal votes the lot's loser last (highest digest first).
    ordered = sorted(votes.items(), key=lambda tv: (-tv[1], _neg(lot_key(seed, 1, tv[0]))))
    outcome = Outcome(totals=ordered, winner=None)
    if ordered and ordered[0][1] > 0:
        outcome.winner = ordered[0][0]
        top = [t for t, v in ordered if v == ordered[0][1]]
        if len(top) > 1:
            outcome.winner_by_lot = True
            outcome.ties.append(Tie(tied=sorted(top), decided_by=LOT))
    return outcome


def _neg(digest: str) -> str:
    """Sorts hex digests in reverse (lowest digest last) inside an ascending sort key."""
    return "".join("0123456789abcdef"[15 - int(ch, 16)] for ch in digest)


def _first_choices(
    rankings: Mapping[tuple[int, ...], int], continuing: set[int]
) -> tuple[dict[int, int], int]:
    counts = dict.fromkeys(continuing, 0)
    exhausted = 0
    for ranking, weight in rankings.items():
        for topic in ranking:
            if topic in continuing:
                counts[topic] += weight
                break
        else:
            exhausted += weight
    return counts, exhausted


def _break_tie(
    tied: list[int],
    *,
    previous: dict[int, int] | None,
    first: dict[int, int],
    seed: str,
    round_number: int,
) -> tuple[int, Tie]:
    if previous is not None:
        fewest = min(previous.get(t, 0) for t in tied)
        narrowed = [t for t in tied if previous.get(t, 0) == fewest]
        if len(narrowed) == 1:
            return narrowed[0], Tie(tied=sorted(tied), decided_by=PREVIOUS_ROUND)
        tied = narrowed
    fewest = min(first.get(t, 0) for t in tied)
    narrowed = [t for t in tied if first.get(t, 0) == fewest]
    if len(narrowed) == 1:
        return narrowed[0], Tie(tied=sorted(tied), decided_by=FIRST_PREFERENCES)
    loser = lot_loser(narrowed, seed=seed, round_number=round_number)
    return loser, Tie(tied=sorted(narrowed), decided_by=LOT)


def instant_runoff(
    rankings: Mapping[tuple[int, ...], int], *, candidates: Sequence[int], seed: str
) -> Outcome:
    """Ranked choice by instant runoff. `rankings` maps each distinct ranking (topic ids,
    most preferred first) to the total weight of the ballots that gave it, so 100,000
    ballots over a handful of topics are a few hundred entries."""
    continuing = set(candidates)
    rounds: list[RunoffRound] = []
    ties: list[Tie] = []
    first: dict[int, int] = {}
    previous: dict[int, int] | None = None
    last_seen: dict[int, tuple[int, int]] = {}
    winner: int | None = None
    number = 0
    while continuing:
        number += 1
        counts, exhausted = _first_choices(rankings, continuing)
        if number == 1:
            first = dict(counts)
        record = RunoffRound(number=number, counts=counts, exhausted=exhausted)
        rounds.append(record)
        for topic, votes in counts.items():
            last_seen[topic] = (number, votes)
        active = sum(counts.values())
        leader, leading = max(counts.items(), key=lambda tv: (tv[1], -tv[0]))
        if active == 0:
            break  # nobody voted: no winner
        if len(continuing) == 1 or leading * 2 > active:
            winner = leader
            break
        fewest = min(counts.values())
        tied = [t for t in continuing if counts[t] == fewest]
        if len(tied) == 1:
            loser = tied[0]
        else:
            loser, tie = _break_tie(
                tied, previous=previous, first=first, seed=seed, round_number=number
            )
            record.tie = tie
            ties.append(tie)
        record.eliminated = loser
        continuing.discard(loser)
        previous = counts
    # The winner first, then the rest by how long they stayed in, then their votes there
    # (each round eliminates one topic, so only the final round can hold equal pairs).
    order = sorted(last_seen, key=lambda t: (t != winner, -last_seen[t][0], -last_seen[t][1], t))
    totals = [(t, last_seen[t][1]) for t in order]
    return Outcome(totals=totals, winner=winner, rounds=rounds, ties=ties)
