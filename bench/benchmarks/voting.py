"""Voting's background work: invitations to every eligible patron through the real worker,
and the tally of a round's ballots against raw SQL counting of the same ballots.

Invitations: 100,000 patrons (`--quick`: 2,000) with a membership history, a round that is
due to open. A real Celery worker (concurrency = cores, every queue, as `make run`) is
started; the beat task's tick opens the round, which queues the fan-out on the bulk queue.
Measured: the time from the tick's commit to the last message handed to the email backend
(the latest `sent_at`), and the worker's memory (its processes' RSS, sampled every second)
as the mailing goes from the first tenth to the last. Checked: one ledger row and one file
per patron, all sent.

Tally: two closed rounds with 100,000 ballots each (approval of up to 3 of 8 topics; a
ranking of up to 5 of 8), counted by `round_count` (what the close runs, minus storing) and
by raw SQL alone (a GROUP BY over the unnested choices; for the runoff, one query per round
for each ballot's first choice still in), alternated, medians; both must agree.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import psycopg

from bench.servers import ROOT, Service

from .base import Check, Context, JobBenchmark, JobFigures, Measured

MEMBERS = 100_000
QUICK_MEMBERS = 2_000
GOAL_SECONDS = 120
# "Flat": the worker's memory late in the mailing is within this much of where it was early.
FLAT_MIB = 40


def django_command(ctx: Context, *args: str, timeout: float = 900) -> dict[str, Any]:
    """Run `python -m bench.voting ...` with the site's bench settings; its JSON answer."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.voting", *args],
        cwd=ROOT, env=ctx.site_env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"bench.voting {args[0]} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _files(folder: Path) -> int:
    return sum(1 for _ in folder.iterdir()) if folder.exists() else 0


def _rss_mib(service: Service) -> tuple[float, float]:
    """The worker's resident memory: its processes together, and the largest child."""
    try:
        root = psutil.Process(service.pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0, 0.0
    sizes = []
    for proc in procs:
        try:
            sizes.append(proc.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            continue
    return sum(sizes), max(sizes[1:], default=0.0)


class VoteInvitations(JobBenchmark):
    name = "vote_invitations"
    title = "Vote invitations to every eligible patron (real worker, bulk queue)"
    goal = 1.0

    def measure(self, ctx: Context) -> Measured:
        measured = Measured()
        count = QUICK_MEMBERS if ctx.quick else MEMBERS
        ctx.say(f"{self.name}: {count:,} patrons with a membership history")
        django_command(ctx, "members", "--count", str(count))
        round_id = django_command(ctx, "invitation-round")["round"]
        mail = Path(ctx.site_env["EMAIL_FILE_PATH"])
        before = _files(mail)
        worker = ctx.start_worker()
        samples: list[tuple[float, int, float, float]] = []
        prefix = f"vote_invitation:{round_id}:%"
        sent_sql = (
            "SELECT count(*) FILTER (WHERE status = 'sent'), count(*), max(sent_at), "
            "count(*) FILTER (WHERE status IN ('pending', 'sending')) "
            "FROM members_outboundemail WHERE kind = 'vote_invitation' AND key LIKE %s"
        )
        finished_sql = "SELECT finished_at IS NOT NULL FROM support_mailing WHERE round_id = %s"
        cpu_before = worker.cpu_seconds()
        try:
            opened = django_command(ctx, "open", "--round", str(round_id))
            committed = opened["committed_at"]
            deadline = time.monotonic() + 60 + count / 50  # bounds a hang, no more
            with psycopg.connect(ctx.database_url, autocommit=True) as conn:
                while time.monotonic() < deadline and worker.alive():
                    sent, rows, last, waiting = conn.execute(sent_sql, [prefix]).fetchone()
                    total, largest = _rss_mib(worker)
                    samples.append((time.time() - committed, sent, total, largest))
                    finished = conn.execute(finished_sql, [round_id]).fetchone()
                    if sent == count or (finished and finished[0] and not waiting):
                        break
                    time.sleep(1.0)
                sent, rows, last, _waiting = conn.execute(sent_sql, [prefix]).fetchone()
                users = conn.execute(
                    "SELECT count(DISTINCT user_id) FROM members_outboundemail "
                    "WHERE kind = 'vote_invitation' AND key LIKE %s",
                    [prefix],
                ).fetchone()[0]
            cpu = worker.cpu_seconds() - cpu_before  # before stop(): its children count
        finally:
            worker.stop()
        files = _files(mail) - before
        seconds = last.timestamp() - committed if last else float("inf")
        early = [s for s in samples if 0 < s[1] <= count * 0.2] or samples[:3]
        late = [s for s in samples if s[1] >= count * 0.8] or samples[-3:]
        early_mib = max((s[2] for s in early), default=0.0)
        late_mib = max((s[2] for s in late), default=0.0)
        peak_mib = max((s[2] for s in samples), default=0.0)
        largest_child = max((s[3] for s in samples), default=0.0)
        flat = late_mib - early_mib <= FLAT_MIB
        rate = count / seconds if seconds else 0.0
        measured.checks += [
            Check(
                "one invitation per eligible patron, all sent",
                sent == rows == users == count,
                f"{count:,} patrons, {rows:,} ledger rows for {users:,} members, {sent:,} sent",
            ),
            Check("one message file per patron", files == count, f"{files:,} files"),
        ]
        measured.facts += [
            f"{count:,} invitations handed to the email backend {seconds:.1f} s after the round "
            f"opened ({rate:,.0f} a second), by one worker with concurrency {ctx.cores}",
            f"worker CPU: {cpu:.1f} s in all, {cpu * 1000 / max(count, 1):.2f} ms per email "
            "(steadier than the elapsed time when other work shares the machine)",
            f"worker memory (all its processes): {early_mib:.0f} MiB early in the mailing, "
            f"{late_mib:.0f} MiB late, {peak_mib:.0f} MiB at the peak; the largest process "
            f"{largest_child:.0f} MiB ({len(samples)} samples)",
        ]
        measured.job = JobFigures(
            ours=f"{count:,} emails in {seconds:.1f} s ({cpu * 1000 / max(count, 1):.2f} ms "
            f"worker CPU each); worker peak {peak_mib:.0f} MiB "
            f"({early_mib:.0f} MiB early, {late_mib:.0f} MiB late)",
            baseline="—",
            ratio=None,
            goal=f"under {GOAL_SECONDS} s for {MEMBERS:,}, flat memory (within {FLAT_MIB} MiB)",
            goal_met=seconds < GOAL_SECONDS * count / MEMBERS and flat,
        )
        if mail.exists():  # 100,000 message files are half a gigabyte: not kept
            for entry in mail.iterdir():
                entry.unlink(missing_ok=True)
        return measured


class VoteTally(JobBenchmark):
    name = "vote_tally"
    title = "Tally of a round's ballots (approval and instant runoff) against raw SQL"
    goal = 0.5

    def measure(self, ctx: Context) -> Measured:
        measured = Measured()
        count = QUICK_MEMBERS if ctx.quick else MEMBERS
        django_command(ctx, "members", "--count", str(count))
        made = django_command(ctx, "tally-rounds", "--ballots", str(count))
        ctx.say(f"{self.name}: two rounds with {made['ballots']:,} ballots each; counting")
        rounds = [str(made["rounds"][m]) for m in ("approval", "ranked")]
        args = ["tally", *(x for r in rounds for x in ("--round", r))]
        figures = django_command(ctx, *args, "--repeat", "3" if ctx.quick else "7")
        ratios = {}
        for method, fig in figures.items():
            ratios[method] = fig["raw_ms"] / fig["ours_ms"] if fig["ours_ms"] else 0.0
            measured.checks.append(
                Check(
                    f"{method}: our count and raw SQL agree",
                    fig["same"] and fig["ballots"] == made["ballots"],
                    f"{fig['ballots']:,} ballots; {fig['detail']}",
                )
            )
            measured.facts.append(
                f"{method}: ours {fig['ours_ms']:.1f} ms, raw SQL {fig['raw_ms']:.1f} ms "
                f"(median of alternated runs): ours at {ratios[method]:.0%} of raw SQL's speed"
            )
        worst = min(ratios.values(), default=0.0)
        measured.job = JobFigures(
            ours=", ".join(f"{m} {figures[m]['ours_ms']:.0f} ms" for m in figures),
            baseline=", ".join(f"{m} {figures[m]['raw_ms']:.0f} ms" for m in figures),
            ratio=worst,
            goal="within 2\N{MULTIPLICATION SIGN} of raw SQL (\N{GREATER-THAN OR EQUAL TO} 50%)",
            goal_met=worst >= self.goal,
        )
        return measured
