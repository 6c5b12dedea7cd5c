"""Counting, on known cases: plurality and approval totals, instant runoff round by round,
and every step of the published tie rule (previous round, first preferences, the lot)."""

from __future__ import annotations

import hashlib
from collections import Counter

from support.voting import tally
from support.voting.tally import count_votes, instant_runoff, lot_loser

A, B, C, D, E, X = 1, 2, 3, 4, 5, 9
SEED = "a-published-seed"


def rankings(*ballots: tuple[tuple[int, ...], int]) -> dict[tuple[int, ...], int]:
    counted: Counter[tuple[int, ...]] = Counter()
    for ranking, n in ballots:
        counted[ranking] += n
    return dict(counted)


def digest(seed: str, round_number: int, topic: int) -> str:
    return hashlib.sha256(f"{seed}:{round_number}:{topic}".encode()).hexdigest()


def test_single_choice_orders_topics_by_votes_and_names_the_winner() -> None:
    outcome = count_votes({A: 5, B: 9, C: 2}, candidates=[A, B, C, D], seed=SEED)
    assert outcome.totals == [(B, 9), (A, 5), (C, 2), (D, 0)]
    assert (outcome.winner, outcome.winner_by_lot, outcome.ties) == (B, False, [])


def test_a_tie_for_first_is_decided_by_the_lot_anyone_can_redo() -> None:
    for seed in ("one-seed", "another-seed", SEED):
        outcome = count_votes({A: 4, B: 4, C: 1}, candidates=[A, B, C], seed=seed)
        # The lowest digest loses the lot, so the other one comes first.
        loser = min((A, B), key=lambda t: digest(seed, 1, t))
        winner = ({A, B} - {loser}).pop()
        assert outcome.totals == [(winner, 4), (loser, 4), (C, 1)]
        assert (outcome.winner, outcome.winner_by_lot) == (winner, True)
        assert [t.as_dict() for t in outcome.ties] == [{"tied": [A, B], "decided_by": "lot"}]


def test_no_ballots_no_winner() -> None:
    assert count_votes({}, candidates=[A, B], seed=SEED).winner is None
    assert instant_runoff({}, candidates=[A, B], seed=SEED).winner is None


def test_a_majority_in_the_first_round_wins_at_once() -> None:
    outcome = instant_runoff(
        rankings(((A, B), 6), ((B, A), 3), ((C,), 1)), candidates=[A, B, C], seed=SEED
    )
    assert outcome.winner == A
    assert [r.as_dict() for r in outcome.rounds] == [
        {"number": 1, "counts": {"1": 6, "2": 3, "3": 1}, "exhausted": 0, "eliminated": None,
         "tie": None},
    ]  # fmt: skip


def test_instant_runoff_transfers_votes_round_by_round() -> None:
    # 19 ballots. D is out first and its ballots go to C; then B is out and its ballots go
    # to A, who wins with 13 of 19.
    outcome = instant_runoff(
        rankings(((A,), 8), ((B, A), 5), ((C, B), 4), ((D, C, B), 2)),
        candidates=[A, B, C, D],
        seed=SEED,
    )
    table = [(r.number, r.counts, r.exhausted, r.eliminated, r.tie) for r in outcome.rounds]
    assert table == [
        (1, {A: 8, B: 5, C: 4, D: 2}, 0, D, None),
        (2, {A: 8, B: 5, C: 6}, 0, B, None),
        (3, {A: 13, C: 6}, 0, None, None),
    ]
    assert outcome.winner == A
    assert outcome.totals == [(A, 13), (C, 6), (B, 5), (D, 2)]
    assert outcome.ties == []


def test_tie_broken_by_fewer_votes_in_the_previous_round() -> None:
    # 10 ballots. Round 1: A 4, B 3, C 2, D 1 -> D out, its ballot goes to C.
    # Round 2: B 3 and C 3 tie; in round 1 C had fewer (2 < 3): C goes. C's three
    # ballots name nobody else: exhausted. Round 3: A, 4 of the 7 still counting, wins.
    outcome = instant_runoff(
        rankings(((A,), 4), ((B,), 3), ((C,), 2), ((D, C), 1)), candidates=[A, B, C, D],
        seed=SEED,
    )  # fmt: skip
    table = [(r.counts, r.exhausted, r.eliminated) for r in outcome.rounds]
    assert table == [
        ({A: 4, B: 3, C: 2, D: 1}, 0, D),
        ({A: 4, B: 3, C: 3}, 0, C),
        ({A: 4, B: 3}, 3, None),
    ]
    assert outcome.rounds[1].tie.as_dict() == {"tied": [B, C], "decided_by": "previous_round"}
    assert outcome.winner == A


def test_tie_broken_by_fewer_first_preferences_when_the_previous_round_tied_too() -> None:
    # 16 ballots; first preferences A 6, B 4, C 3, D 1 (then C), X 2 (then A).
    # Round 1: D out -> C 4. Round 2: X out -> A 8. Round 3: B 4 and C 4 tie, as they did
    # in round 2; first preferences B 4, C 3: C goes. Round 4: A, 8 of 12, wins.
    outcome = instant_runoff(
        rankings(((A,), 6), ((B,), 4), ((C,), 3), ((D, C), 1), ((X, A), 2)),
        candidates=[A, B, C, D, X],
        seed=SEED,
    )
    table = [(r.counts, r.exhausted, r.eliminated) for r in outcome.rounds]
    assert table == [
        ({A: 6, B: 4, C: 3, D: 1, X: 2}, 0, D),
        ({A: 6, B: 4, C: 4, X: 2}, 0, X),
        ({A: 8, B: 4, C: 4}, 0, C),
        ({A: 8, B: 4}, 4, None),
    ]
    assert outcome.rounds[2].tie.as_dict() == {"tied": [B, C], "decided_by": "first_preferences"}
    assert outcome.winner == A


def test_tie_broken_by_the_lot_when_nothing_else_separates_them() -> None:
    # Round 1: B 3 and C 3 tie at the bottom; no previous round, equal first preferences.
    for seed in ("one-seed", "another-seed", SEED):
        outcome = instant_runoff(
            rankings(((A,), 5), ((B,), 3), ((C,), 3)), candidates=[A, B, C], seed=seed
        )
        first = outcome.rounds[0]
        assert first.eliminated == min((B, C), key=lambda t: digest(seed, 1, t))
        assert first.tie.as_dict() == {"tied": [B, C], "decided_by": "lot"}
        assert outcome.winner == A  # 5 of the 8 still counting in round 2
        assert outcome.rounds[1].exhausted == 3


def test_zero_vote_topics_go_first_and_the_last_two_tied_go_to_the_rule() -> None:
    # E has no votes and goes first. Then A 2, B 2: no majority; tied in the previous round
    # and in first preferences: the lot eliminates one, and the other wins.
    outcome = instant_runoff(rankings(((A,), 2), ((B,), 2)), candidates=[A, B, E], seed=SEED)
    assert (outcome.rounds[0].eliminated, outcome.rounds[0].tie) == (E, None)
    loser = lot_loser([A, B], seed=SEED, round_number=2)
    assert (outcome.rounds[1].eliminated, outcome.rounds[1].tie.decided_by) == (loser, "lot")
    assert outcome.winner == ({A, B} - {loser}).pop()
    assert len(outcome.rounds) == 3


def test_the_rule_narrows_step_by_step() -> None:
    first = {B: 5, C: 3, D: 3}
    loser, tie = tally._break_tie([B, C], previous={B: 2, C: 4}, first=first, seed=SEED,
                                  round_number=3)  # fmt: skip
    assert (loser, tie.decided_by) == (B, "previous_round")
    loser, tie = tally._break_tie([B, C], previous={B: 4, C: 4}, first=first, seed=SEED,
                                  round_number=3)  # fmt: skip
    assert (loser, tie.decided_by) == (C, "first_preferences")
    loser, tie = tally._break_tie([C, D], previous={C: 4, D: 4}, first=first, seed=SEED,
                                  round_number=3)  # fmt: skip
    assert (loser, tie.decided_by) == (min((C, D), key=lambda t: digest(SEED, 3, t)), "lot")
    # Three tied: the previous round leaves two (B and C), first preferences decide.
    loser, tie = tally._break_tie([B, C, D], previous={B: 2, C: 2, D: 4}, first=first,
                                  seed=SEED, round_number=3)  # fmt: skip
    assert (loser, tie.decided_by, tie.tied) == (C, "first_preferences", [B, C])


def test_the_lot_depends_on_the_seed() -> None:
    losers = {lot_loser([A, B, C, D], seed=f"seed-{n}", round_number=1) for n in range(40)}
    assert losers == {A, B, C, D}


def test_weights_count_as_votes() -> None:
    outcome = instant_runoff(
        rankings(((A,), 3), ((B,), 2 * 2), ((C, B), 1)), candidates=[A, B, C], seed=SEED
    )
    assert outcome.rounds[0].counts == {A: 3, B: 4, C: 1}
    assert outcome.winner == B
    assert [r.counts for r in outcome.rounds] == [{A: 3, B: 4, C: 1}, {A: 3, B: 5}]
