"""bench/results.md: the machine, the versions, every figure and ratio, the checks and the
findings. The runner prints the same text it writes, so the file holds what the run said."""

from __future__ import annotations

import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path

from bench.benchmarks.base import JobBenchmark
from bench.load import LoadResult, wrk_version
from bench.machine import machine_facts, package_version
from bench.runner import BenchResult, Run

FINDINGS = Path(__file__).resolve().parent / "findings.md"


def _median(results: list[LoadResult], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in results)


def _rps(value: float) -> str:
    return f"{value:,.0f}"


def _ms(value: float) -> str:
    return f"{value:.1f} ms"


def _cpu(value: float) -> str:
    return f"{value:.2f} ms"


def _goal(result: BenchResult) -> str:
    met = "met" if result.ratio >= result.benchmark.goal else "missed"
    return f"≥ {result.benchmark.goal:.0%} ({met})"


def results_table(run: Run) -> list[str]:
    lines = [
        "| Benchmark | Ours req/s | p50 | p95 | CPU/req | Baseline | req/s | p50 | p95 | CPU/req "
        "| Ratio | Goal |",
        "|---|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|---|",
    ]
    for result in run.results:
        if isinstance(result.benchmark, JobBenchmark):
            continue
        rounds = result.measured.rounds
        if not rounds:
            lines.append(f"| {result.benchmark.title} | not measured: a setup check failed |")
            continue
        ours = [o for o, _ in rounds]
        base = [b for _, b in rounds]
        lines.append(
            f"| {result.benchmark.title} | {_rps(_median(ours, 'rps'))} "
            f"| {_ms(_median(ours, 'p50_ms'))} | {_ms(_median(ours, 'p95_ms'))} "
            f"| {_cpu(_median(ours, 'cpu_ms_per_request'))} "
            f"| {result.benchmark.baseline_label} `{result.benchmark.baseline}` "
            f"| {_rps(_median(base, 'rps'))} "
            f"| {_ms(_median(base, 'p50_ms'))} | {_ms(_median(base, 'p95_ms'))} "
            f"| {_cpu(_median(base, 'cpu_ms_per_request'))} "
            f"| **{result.ratio:.0%}** | {_goal(result)} |"
        )
    return lines


def jobs_table(run: Run) -> list[str]:
    """Background work: what ours did against its goal (and a baseline, where there is one)."""
    jobs = [r for r in run.results if isinstance(r.benchmark, JobBenchmark)]
    if not jobs:
        return []
    lines = [
        "## Background work",
        "",
        "| Benchmark | Ours | Baseline | Ratio | Goal |",
        "|---|---|---|--:|---|",
    ]
    for result in jobs:
        job = result.measured.job
        if job is None:
            lines.append(f"| {result.benchmark.title} | not measured: a check failed | | | |")
            continue
        ratio = f"**{job.ratio:.0%}**" if job.ratio is not None else "—"
        met = "met" if job.goal_met else "missed"
        lines.append(
            f"| {result.benchmark.title} | {job.ours} | {job.baseline} | {ratio} "
            f"| {job.goal} ({met}) |"
        )
    return [*lines, ""]


def _rounds_table(result: BenchResult) -> list[str]:
    lines = [
        "| Round | Ours req/s | p50 | p95 | p99 | CPU/req | Baseline req/s | p50 | p95 | p99 "
        "| CPU/req | Ratio |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for n, ((o, b), ratio) in enumerate(
        zip(result.measured.rounds, result.ratios, strict=True), start=1
    ):
        lines.append(
            f"| {n} | {_rps(o.rps)} | {_ms(o.p50_ms)} | {_ms(o.p95_ms)} | {_ms(o.p99_ms)} "
            f"| {_cpu(o.cpu_ms_per_request)} "
            f"| {_rps(b.rps)} | {_ms(b.p50_ms)} | {_ms(b.p95_ms)} | {_ms(b.p99_ms)} "
            f"| {_cpu(b.cpu_ms_per_request)} "
            f"| {ratio:.0%} |"
        )
    return lines


def render(run: Run) -> str:
    o = run.options
    when = datetime.fromtimestamp(run.started, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    mode = " --quick" if o.quick else ""
    versions = {
        "Python": platform.python_version(),
        "Django": package_version("Django"),
        "PostgreSQL": run.versions.get("PostgreSQL", "?"),
        "Redis": run.versions.get("Redis", "?"),
        "gunicorn": package_version("gunicorn"),
        "wrk": wrk_version(),
        "Celery": package_version("celery"),
        "psycopg": package_version("psycopg"),
    }
    lines = [
        "# Benchmarks: the site against a bare baseline",
        "",
        f"Written by `python -m bench{mode}` (`make bench`) on {when}, in {run.seconds:.0f} s. "
        "The figures are the ones the command printed. Rerun it on your own machine: the "
        "ratios are what carries over, the absolute rates belong to this machine.",
        "",
        "## Machine and versions",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in machine_facts().items()),
        f"| Load average (1 min) | {run.load[0]:.2f} before the run, {run.load[1]:.2f} after |",
        *(f"| {k} | {v} |" for k, v in versions.items()),
        "",
        "## How it was measured",
        "",
        f"- Both servers run under gunicorn with **{o.workers} sync workers** each "
        "(2 x cores + 1, gunicorn's documented starting point), side by side, on the same "
        "PostgreSQL server and the same connection settings (`CONN_MAX_AGE` 60, "
        "`CONN_HEALTH_CHECKS` on), in a database of their own (`"
        f"{o.database}`, emptied first) and a Redis database of their own (db {o.redis_db}).",
        "- The site runs `config.settings.production` (DEBUG off, every security middleware) "
        "with throwaway secrets, `DJANGO_SECURE_SSL_REDIRECT=false`, static files collected "
        "into the work directory (`bench/site_settings.py`) and emails written to files. The "
        "baseline (`bench/baseline/`) is a bare Django project: no middleware, no apps, the "
        "same database settings.",
        f"- Load: `wrk`, {o.threads} thread, {o.connections} connections; per benchmark a "
        f"{o.warmup_s:g} s warm-up on each side, then {o.rounds} round(s) of {o.duration_s:g} s "
        "on each side, one after the other, the order alternating between rounds. Figures "
        "are medians over the rounds; the ratio is the median of the per-round ratios of "
        "req/s (ours / baseline). CPU/req is the CPU time the server's processes (gunicorn "
        "master and workers, not PostgreSQL or Redis) used per request during the run: a "
        "steadier figure than req/s when other work shares the machine.",
        "- Background work (the second table) is not loaded by wrk: each job runs once on the "
        "same stack, through the real Celery worker where it is a task, and reports its "
        "own figures, its goal, and its baseline where it has one (the ratio is then the "
        "baseline's time over ours).",
        "",
        "## Results",
        "",
        *results_table(run),
        "",
        *jobs_table(run),
    ]
    for result in run.results:
        lines += [f"### {result.benchmark.title}", ""]
        if result.measured.rounds:
            lines += [*_rounds_table(result), ""]
        lines += [
            f"- [{'x' if c.passed else ' '}] {c.name}" + (f" — {c.detail}" if c.detail else "")
            for c in result.measured.checks
        ]
        lines += [f"- {fact}" for fact in result.measured.facts]
        lines.append("")
    if run.notes:
        lines += ["## Notes from this run", "", "```", *run.notes, "```", ""]
    if FINDINGS.exists():
        lines += [FINDINGS.read_text().strip(), ""]
    return "\n".join(lines)
