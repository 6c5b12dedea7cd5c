"""The Django side of the voting benchmarks, run by the runner as a subprocess with the bench
settings: `python -m bench.voting <command> ...`, printing one JSON line.

- `members --count N`: N patrons (a started, entitled membership 30 days ago, as billing's
  history has it), written in bulk; idempotent (tops up to N).
- `invitation-round`: a round scheduled to open now, patrons of 7 days, two topics.
- `open --round ID`: the beat task's tick, which opens it and queues the fan-out; prints the
  time it committed.
- `tally-rounds --ballots N`: two closed rounds (approval, ranked) with N ballots each from
  the bench's members, preferences skewed so the runoff takes several rounds.
- `tally --round ID ... --repeat K`: our count (`support.voting.results.round_count`, as the
  close runs it) and raw SQL counting of the same ballots, alternated K times; medians and
  whether both found the same.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import timedelta
from typing import Any

import django

# Their own domain: bench.prepare's paying readers are reader<n>@bench.example.org.
DOMAIN = "@voters.bench.example.org"
BENCH_EMAIL = "voter-{n}" + DOMAIN
TOPICS = 8


def members(count: int) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from billing.models import Membership, MembershipChange, Tier
    from members.models import User

    tier = Tier.objects.order_by("position").first()
    existing = User.objects.filter(email__endswith=DOMAIN).count()
    password = make_password(None)
    started = timezone.now() - timedelta(days=30)
    for start in range(existing, count, 5000):
        users = User.objects.bulk_create(
            User(
                email=BENCH_EMAIL.format(n=n),
                password=password,
                display_name=f"Voter {n}",
                preferred_language="uk" if n % 5 == 0 else "en",
            )
            for n in range(start, min(start + 5000, count))
        )
        memberships = Membership.objects.bulk_create(
            Membership(user=u, tier=tier, stripe_subscription_id=f"sub_bench_{u.pk}",
                       stripe_customer_id=f"cus_bench_{u.pk}", status="active", amount=500,
                       currency="eur", interval="month", started_at=started)
            for u in users
        )  # fmt: skip
        MembershipChange.objects.bulk_create(
            MembershipChange(membership=m, user_id=m.user_id, kind="started",
                             occurred_at=started, source="backfill",
                             source_key=f"bench:{m.pk}", currency="eur", status_after="active",
                             entitled_after=True, tier_after=tier, mrr_after=500, mrr_delta=500)
            for m in memberships
        )  # fmt: skip
    return {"members": User.objects.filter(email__endswith=DOMAIN).count()}


def _round(slug: str, **fields: Any) -> Any:
    from django.utils import timezone

    from support.models import Round, Topic

    now = timezone.now()
    rnd = Round.objects.create(
        title=f"Bench: {slug}", slug=f"{slug}-{int(time.time() * 1000)}",
        question="What should we look into next?", opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=7), min_patron_days=7, **fields,
    )  # fmt: skip
    for n in range(TOPICS if fields.get("status") != "scheduled" else 2):
        Topic.objects.create(round=rnd, title=f"Topic {n + 1}", position=n)
    return rnd


def invitation_round() -> dict[str, Any]:
    from django.utils import timezone

    rnd = _round("invitations", status="scheduled")
    rnd.opens_at = timezone.now()
    rnd.save(update_fields=["opens_at"])
    return {"round": rnd.pk}


def open_round(round_id: int) -> dict[str, Any]:
    from support.voting.rounds import rounds_tick

    report = rounds_tick()
    return {"opened": report.opened, "committed_at": time.time()}


def _ranking(rng: random.Random, topic_ids: list[int], most: int) -> list[int]:
    # Skewed: low positions are more popular, so first preferences differ and the runoff
    # eliminates one topic after another.
    weights = [1 / (n + 1.5) for n in range(len(topic_ids))]
    chosen: list[int] = []
    pool = list(zip(topic_ids, weights, strict=True))
    for _ in range(rng.randint(1, most)):
        pick = rng.choices(range(len(pool)), weights=[w for _t, w in pool])[0]
        chosen.append(pool.pop(pick)[0])
    return chosen


def tally_rounds(ballots: int) -> dict[str, Any]:
    from django.utils import timezone

    from members.models import User
    from support.models import Ballot

    voters = list(
        User.objects.filter(email__endswith=DOMAIN)
        .order_by("pk")
        .values_list("pk", flat=True)[:ballots]
    )
    rng = random.Random(10)
    made = {}
    for method, most in (("approval", 3), ("ranked", 5)):
        rnd = _round(f"tally-{method}", status="open", method=method, max_choices=most)
        ids = list(rnd.topics.order_by("position").values_list("pk", flat=True))
        now = timezone.now()
        Ballot.objects.bulk_create(
            (
                Ballot(round=rnd, user_id=voter, choices=_ranking(rng, ids, most), weight=1,
                       cast_at=now, changed_at=now)
                for voter in voters
            ),
            batch_size=5000,
        )  # fmt: skip
        rnd.status = "closed"
        rnd.save(update_fields=["status"])
        made[method] = rnd.pk
    return {"rounds": made, "ballots": len(voters)}


_RAW_APPROVAL = """
    SELECT choice, sum(weight) FROM support_ballot, unnest(choices) AS choice
    WHERE round_id = %s GROUP BY choice
"""
# Instant runoff counted by SQL alone: each round, every ballot's first choice not yet
# eliminated, summed per topic; the fewest go, until one has a majority.
_RAW_RUNOFF_ROUND = """
    SELECT first, sum(weight) FROM (
        SELECT weight, (
            SELECT c FROM unnest(choices) WITH ORDINALITY AS u(c, n)
            WHERE c <> ALL(%s::bigint[]) ORDER BY n LIMIT 1
        ) AS first
        FROM support_ballot WHERE round_id = %s
    ) AS firsts
    WHERE first IS NOT NULL
    GROUP BY first
"""


def _raw_count(round_id: int, method: str, topic_ids: list[int]) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        if method != "ranked":
            cursor.execute(_RAW_APPROVAL, [round_id])
            return {"totals": {int(t): int(v) for t, v in cursor.fetchall()}}
        eliminated: list[int] = []
        rounds = []
        while True:
            cursor.execute(_RAW_RUNOFF_ROUND, [eliminated, round_id])
            counts = {t: 0 for t in topic_ids if t not in eliminated}
            counts.update({int(t): int(v) for t, v in cursor.fetchall()})
            rounds.append(counts)
            active = sum(counts.values())
            leader = max(counts, key=lambda t: counts[t])
            if len(counts) == 1 or counts[leader] * 2 > active:
                return {"rounds": rounds, "winner": leader}
            eliminated.append(min(counts, key=lambda t: (counts[t], t)))


def tally(round_ids: list[int], repeat: int) -> dict[str, Any]:
    from support.models import Round
    from support.voting.results import round_count

    out: dict[str, Any] = {}
    for rnd in Round.objects.filter(pk__in=round_ids):
        topic_ids = list(rnd.topics.order_by("position").values_list("pk", flat=True))
        ours_s, raw_s = [], []
        ours = raw = None
        for n in range(repeat):
            for side in ("ours", "raw") if n % 2 == 0 else ("raw", "ours"):
                started = time.perf_counter()
                if side == "ours":
                    ours = round_count(rnd=rnd, seed="bench")
                    ours_s.append(time.perf_counter() - started)
                else:
                    raw = _raw_count(rnd.pk, rnd.method, topic_ids)
                    raw_s.append(time.perf_counter() - started)
        assert ours is not None
        assert raw is not None
        if rnd.method == "ranked":
            same = [r.counts for r in ours.rounds] == raw["rounds"] and ours.winner == raw["winner"]
            detail = f"{len(ours.rounds)} runoff rounds, winner topic {ours.winner}"
        else:
            same = {t: v for t, v in ours.totals if v} == raw["totals"]
            detail = f"{len(ours.totals)} topics, winner topic {ours.winner}"
        out[rnd.method] = {
            "ours_ms": statistics.median(ours_s) * 1000,
            "raw_ms": statistics.median(raw_s) * 1000,
            "same": same,
            "detail": detail,
            "ballots": rnd.ballots.count(),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.voting")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("members").add_argument("--count", type=int, required=True)
    sub.add_parser("invitation-round")
    sub.add_parser("open").add_argument("--round", type=int, required=True)
    sub.add_parser("tally-rounds").add_argument("--ballots", type=int, required=True)
    tally_parser = sub.add_parser("tally")
    tally_parser.add_argument("--round", type=int, action="append", required=True)
    tally_parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    django.setup()
    if args.command == "members":
        result = members(args.count)
    elif args.command == "invitation-round":
        result = invitation_round()
    elif args.command == "open":
        result = open_round(args.round)
    elif args.command == "tally-rounds":
        result = tally_rounds(args.ballots)
    else:
        result = tally(args.round, args.repeat)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
