"""The benchmark harness runs end to end in its quick mode, so `make bench` cannot rot.

Quick mode is one 1 s round per benchmark with no warm-up: its figures mean nothing, but every
part runs for real (the services, the bench database, the Stripe stand-in, gunicorn for the
site and the baseline, wrk, the inbox checks, a Celery worker draining the queue) and the
report is written.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A results row: title, ours (req/s, p50, p95, CPU/req), baseline (name, the same), ratio, goal.
ROW = re.compile(
    r"^\| (?P<title>[^|]+) \| (?P<ours>[\d,]+) \| (?P<ours_p50>[\d.]+) ms "
    r"\| (?P<ours_p95>[\d.]+) ms \| (?P<ours_cpu>[\d.]+) ms "
    r"\| [^|]+ \| (?P<base>[\d,]+) \| (?P<base_p50>[\d.]+) ms "
    r"\| (?P<base_p95>[\d.]+) ms \| (?P<base_cpu>[\d.]+) ms \| \*\*(?P<ratio>\d+)%\*\* \| .+ \|$",
    re.MULTILINE,
)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, str]:
    tmp = tmp_path_factory.mktemp("bench")
    output = tmp / "results.md"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    proc = subprocess.run(
        [
            sys.executable, "-m", "bench", "--quick",
            "--output", str(output), "--workdir", str(tmp / "work"),
            # Its own database and Redis database: never the dev or test data, nor `make bench`'s.
            "--database", "patronage_bench_quick", "--redis-db", "14",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=480, check=False,
    )  # fmt: skip
    assert output.exists(), f"no report written:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc, output.read_text()


def test_quick_bench_passes_its_checks_and_prints_what_it_writes(
    quick_run: tuple[subprocess.CompletedProcess, str],
) -> None:
    proc, report = quick_run
    assert proc.returncode == 0, f"{proc.stdout[-4000:]}\n{proc.stderr[-3000:]}"
    assert report in proc.stdout
    assert "- [ ]" not in report  # no failed check


def test_the_table_has_every_benchmark_with_positive_figures(
    quick_run: tuple[subprocess.CompletedProcess, str],
) -> None:
    _proc, report = quick_run
    rows = {m["title"]: m for m in ROW.finditer(report)}
    assert sorted(rows) == [
        "Support us page (GET /support/, anonymous)",
        "Support widget frame (GET /embed/support/, anonymous)",
        "Webhook ingest (POST /stripe/webhook/, distinct signed Stripe events)",
    ], report
    for row in rows.values():
        for name in ("ours", "base"):
            assert float(row[name].replace(",", "")) > 0, row.group(0)
            assert float(row[f"{name}_p50"]) > 0, row.group(0)
            assert float(row[f"{name}_p95"]) >= float(row[f"{name}_p50"]), row.group(0)
            assert float(row[f"{name}_cpu"]) > 0, row.group(0)
        assert int(row["ratio"]) > 0, row.group(0)


def test_every_event_is_in_the_inbox_once_and_the_worker_processed_them_all(
    quick_run: tuple[subprocess.CompletedProcess, str],
) -> None:
    _proc, report = quick_run
    for check in (
        "every event sent is in the inbox exactly once",
        "redelivered events are recognised as duplicates",
        "the worker drains the inbox",
        "invoice.paid processed, charge.succeeded ignored, none failed",
        "one payment and one receipt per invoice",
    ):
        assert f"- [x] {check}" in report, report
    assert re.search(r"drain: .* processed \d+ queued events in [\d.]+ s", report), report


def test_the_voting_jobs_run_and_agree_with_their_checks(
    quick_run: tuple[subprocess.CompletedProcess, str],
) -> None:
    _proc, report = quick_run
    assert "## Background work" in report
    for check in (
        "one invitation per eligible patron, all sent",
        "one message file per patron",
        "approval: our count and raw SQL agree",
        "ranked: our count and raw SQL agree",
    ):
        assert f"- [x] {check}" in report, report
    invitations = (
        r"\| Vote invitations .* \| 2,000 emails in [\d.]+ s "
        r"\([\d.]+ ms worker CPU each\); worker peak \d+ MiB"
    )
    assert re.search(invitations, report), report
    assert re.search(r"\| Tally of a round's ballots .* \| \*\*\d+%\*\* \|", report)
