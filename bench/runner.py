"""One benchmark run: services, the bench database, the Stripe stand-in, the site and the
baseline under gunicorn, then each benchmark in turn, then the report.

Both servers run side by side for the whole run with the same worker count, the same
PostgreSQL server and the same connection settings; wrk loads one of them at a time, so the
idle one costs nothing. Each round measures ours and the baseline one after the other (the
order alternates between rounds), and the figures reported are medians over the rounds.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import psycopg

from bench import stack as bench_stack
from bench.baseline.schema import schema_reset
from bench.benchmarks import ALL
from bench.benchmarks.base import Benchmark, Check, Context, JobBenchmark, Measured, RoundInput
from bench.load import LoadResult, LoadSpec, run_wrk, wrk_path
from bench.machine import cores
from bench.page_weight import article_origin
from bench.profiling import Profiler
from bench.servers import ROOT, ServerError, Service, celery_worker, gunicorn, wait_http, wait_log
from scripts.devstack import free_port, services

# A first guess of the fastest rate, to size the warm-up's bodies; rounds use what was seen.
FIRST_GUESS_RPS = 3000
BODY_HEADROOM = 1.6


_STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"bench {time.monotonic() - _STARTED:5.1f}s | {message}", flush=True)


@dataclass
class Options:
    rounds: int = 5
    duration_s: float = 6
    warmup_s: float = 2
    workers: int = 0  # 0: 2 x cores + 1, gunicorn's documented starting point
    connections: int = 0  # 0: 2 x workers
    threads: int = 1
    invoices: int = 5
    output: Path = ROOT / "bench" / "results.md"
    workdir: Path = ROOT / "var" / "bench"
    database: str = "patronage_bench"
    redis_db: int = 15
    only: list[str] = field(default_factory=list)
    quick: bool = False
    profile: str = ""  # a benchmark name: sample our server with py-spy during its rounds

    def resolved(self) -> Options:
        workers = self.workers or 2 * cores() + 1
        return Options(
            **{
                **self.__dict__,
                "workers": workers,
                "connections": self.connections or 2 * workers,
            }
        )


@dataclass
class BenchResult:
    benchmark: Benchmark
    measured: Measured

    @property
    def ratios(self) -> list[float]:
        return [o.rps / b.rps if b.rps else 0.0 for o, b in self.measured.rounds]

    @property
    def ratio(self) -> float:
        """The median of the per-round ratios: each round pairs two runs made moments apart
        (for background work, the job's own ratio)."""
        if self.measured.job is not None:
            return self.measured.job.ratio or 0.0
        return statistics.median(self.ratios) if self.ratios else 0.0


@dataclass
class Run:
    options: Options
    results: list[BenchResult]
    versions: dict[str, str]
    notes: list[str]
    started: float
    seconds: float
    # The 1-minute load average before and after: other work on the machine shows here.
    load: tuple[float, float] = (0.0, 0.0)

    @property
    def passed(self) -> bool:
        return all(c.passed for r in self.results for c in r.measured.checks)


def _site_env(base: dict[str, str], *, database_url: str, redis_url: str, workdir: Path) -> dict:
    """Production settings with throwaway secrets; only this process tree sees them."""
    env = dict(base)
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL", "DJANGO_DEBUG"):
        env.pop(name, None)  # the bench's own Redis database, production's DEBUG
    env.update(
        DJANGO_SETTINGS_MODULE="bench.site_settings",
        DJANGO_SECRET_KEY="bench-throwaway-" + secrets.token_urlsafe(40),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        STRIPE_SECRET_KEY="sk_test_bench",  # noqa: S106 - a throwaway for the stand-in
        STRIPE_WEBHOOK_SECRET="whsec_bench_" + secrets.token_hex(16),
        STRIPE_API_BASE="http://127.0.0.1:9",  # replaced by the stand-in's address
        EMAIL_BACKEND="members.mail.backends.EmlFileBackend",
        EMAIL_FILE_PATH=str(workdir / "mail"),
        BENCH_STATIC_ROOT=str(workdir / "static"),
        VAR_DIR=str(workdir / "var"),
        # The article site the widget benchmark loads in chromium (bench/page_weight.py).
        NEWSROOM_ARTICLE_ORIGINS=article_origin(),
        PYTHONUNBUFFERED="1",
    )
    return env


@contextlib.contextmanager
def _stripe_stand_in(workdir: Path) -> Iterator[tuple[str, str]]:
    """The Stripe stand-in without webhooks (the benchmark is the only sender), or ("", why)."""
    with contextlib.ExitStack() as stack:
        try:
            from fakestripe.testing import ServerStartError, running_server

            base_url = stack.enter_context(
                running_server(data_dir=workdir / "fakestripe", quiet=True, tick_seconds=0)
            )
        except (ImportError, ServerStartError, OSError) as exc:
            yield "", f"the Stripe stand-in did not start: {exc}"
            return
        yield base_url, ""


def _measure(
    bench: Benchmark,
    ctx: Context,
    options: Options,
    servers: dict[str, Service],
    profiler: Profiler | None,
) -> Measured:
    measured = Measured()
    measured.checks += bench.setup(ctx)
    if not all(c.passed for c in measured.checks):
        return measured
    seen_rps = [float(FIRST_GUESS_RPS)]

    def load(data: RoundInput, side: str, seconds: float) -> LoadResult:
        url = ctx.site_url + bench.ours if side == "ours" else ctx.baseline_url + bench.baseline
        spec = LoadSpec(
            duration_s=seconds, connections=options.connections, threads=options.threads
        )
        cpu = servers[side].cpu_seconds()
        result = run_wrk(url, spec, bodies_prefix=data.bodies_prefix)
        result = replace(result, server_cpu_s=servers[side].cpu_seconds() - cpu)
        seen_rps.append(result.rps)
        return result

    def pair(
        seconds: float, ours_first: bool, profile: bool = False
    ) -> tuple[LoadResult, LoadResult]:
        headroom = BODY_HEADROOM
        for _attempt in range(3):
            expected = int(max(seen_rps) * seconds * headroom) + 100
            data = bench.round_input(ctx, expected_requests=expected)
            runs: dict[str, LoadResult] = {}
            for side in ("ours", "baseline") if ours_first else ("baseline", "ours"):
                with (
                    profiler.sampling(seconds)
                    if (profile and profiler and side == "ours")
                    else contextlib.nullcontext()
                ):
                    runs[side] = load(data, side, seconds)
            bench.after_round(ctx, data, runs["ours"], runs["baseline"])
            if not (runs["ours"].exhausted or runs["baseline"].exhausted):
                return runs["ours"], runs["baseline"]
            headroom *= 2
            say(f"  ran out of bodies; repeating the round with {headroom:.1f}x headroom")
        raise RuntimeError("ran out of request bodies three times")

    if options.warmup_s > 0:
        say(f"{bench.name}: warm-up, {options.warmup_s:g} s on each side")
        pair(options.warmup_s, ours_first=True)
    for n in range(options.rounds):
        ours, base = pair(
            options.duration_s, ours_first=n % 2 == 0, profile=bench.name == options.profile
        )
        measured.rounds.append((ours, base))
        say(
            f"{bench.name} round {n + 1}/{options.rounds}: ours {ours.rps:,.0f} req/s "
            f"(p50 {ours.p50_ms:.1f} ms, p95 {ours.p95_ms:.1f} ms), baseline {base.rps:,.0f} req/s "
            f"(p50 {base.p50_ms:.1f} ms, p95 {base.p95_ms:.1f} ms), "
            f"ratio {ours.rps / base.rps:.2f}; "
            f"server CPU per request {ours.cpu_ms_per_request:.2f} ms vs "
            f"{base.cpu_ms_per_request:.2f} ms"
        )
    failed = [
        (side, r.errors)
        for o, b in measured.rounds
        for side, r in (("ours", o), ("baseline", b))
        if r.failed
    ]
    measured.checks.append(
        Check(
            "every request answered 2xx/3xx without socket errors",
            not failed,
            "; ".join(f"{side}: {errors}" for side, errors in failed[:4]),
        )
    )
    measured.checks += bench.verify(ctx, measured)
    return measured


def _bench_env(base: dict[str, str], options: Options, versions: dict[str, str]) -> dict:
    """The bench's own database (created if missing) and Redis database (flushed), and the
    environment of every process the run starts."""
    database_url = bench_stack.database_url_for(base["DATABASE_URL"], options.database)
    redis_url = bench_stack.redis_url_for(base["REDIS_URL"], options.redis_db)
    bench_stack.database_ensure(base["DATABASE_URL"], options.database)
    bench_stack.redis_flush(redis_url)
    versions["PostgreSQL"] = bench_stack.postgres_version(database_url)
    versions["Redis"] = bench_stack.redis_version(redis_url)
    return _site_env(base, database_url=database_url, redis_url=redis_url, workdir=options.workdir)


def _prepare(
    env: dict[str, str], *, database_url: str, invoices: int, stripe_url: str
) -> list[str]:
    """Schema, no rows, static files, tiers and paid invoices (bench/prepare.py), and the
    baseline's empty table. Returns the invoice ids."""
    argv = [sys.executable, "-m", "bench.prepare", "--invoices", str(invoices)]
    argv += ["--control", stripe_url]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench.prepare failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    with psycopg.connect(database_url) as conn:
        schema_reset(conn)
    return list(json.loads(done.stdout.strip().splitlines()[-1])["invoices"])


def _start_servers(
    cleanup: contextlib.ExitStack, env: dict[str, str], options: Options, logs: Path
) -> tuple[dict[str, Service], str, str]:
    """The site and the baseline under gunicorn, same worker count, and their URLs."""
    site_port, baseline_port = free_port(), free_port()
    site_url = f"http://127.0.0.1:{site_port}"
    baseline_url = f"http://127.0.0.1:{baseline_port}"
    site_env = {**env, "SITE_URL": site_url}
    baseline_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.baseline.settings"}
    site = gunicorn(
        "site", app="config.wsgi", port=site_port, workers=options.workers, env=site_env,
        log_dir=logs,
    )  # fmt: skip
    cleanup.callback(site.stop)
    baseline = gunicorn(
        "baseline", app="bench.baseline.wsgi", port=baseline_port, workers=options.workers,
        env=baseline_env, log_dir=logs,
    )  # fmt: skip
    cleanup.callback(baseline.stop)
    wait_http(site_url + "/theme.css", site)  # /healthz wants a worker
    wait_http(baseline_url + "/ok", baseline)
    return {"ours": site, "baseline": baseline}, site_url, baseline_url


def run(options: Options) -> Run:
    options = options.resolved()
    started = time.time()
    load_before = os.getloadavg()[0]
    clock = time.monotonic()
    wrk_path()  # fail at once, before starting anything, when the load tool is missing
    workdir = options.workdir
    if workdir.exists():
        shutil.rmtree(workdir)
    logs = workdir / "logs"
    logs.mkdir(parents=True)
    notes: list[str] = []
    versions: dict[str, str] = {}
    results = []
    with services() as stack, contextlib.ExitStack() as cleanup:
        env = _bench_env(stack.env, options, versions)
        database_url = env["DATABASE_URL"]

        stripe_url, why = cleanup.enter_context(_stripe_stand_in(workdir))
        if stripe_url:
            env["STRIPE_API_BASE"] = stripe_url
            say(f"Stripe stand-in at {stripe_url}")
        else:
            notes.append(why)
            say(f"running without the Stripe stand-in: {why}")
        invoices = options.invoices if stripe_url else 0
        say(
            f"database {options.database}: migrate, empty, collect static files; seed tiers "
            f"and {invoices} paid invoices through the site's services"
        )
        invoice_ids = _prepare(
            env, database_url=database_url, invoices=invoices, stripe_url=stripe_url
        )

        servers, site_url, baseline_url = _start_servers(cleanup, env, options, logs)
        say(
            f"site {site_url} and baseline {baseline_url}: gunicorn, {options.workers} sync "
            f"workers each; wrk {options.threads} thread(s), {options.connections} connections"
        )

        def start_worker() -> Service:
            worker = celery_worker(env=env, concurrency=cores(), log_dir=logs)
            try:
                wait_log(worker, " ready.", timeout=60)
            except ServerError:
                worker.stop()
                raise
            return worker

        ctx = Context(
            site_url=site_url,
            baseline_url=baseline_url,
            database_url=database_url,
            site_env=env,
            workdir=workdir,
            load=LoadSpec(
                duration_s=options.duration_s,
                connections=options.connections,
                threads=options.threads,
            ),
            quick=options.quick,
            cores=cores(),
            webhook_secret=env["STRIPE_WEBHOOK_SECRET"],
            invoice_ids=invoice_ids,
            stripe_url=stripe_url,
            start_worker=start_worker,
            say=say,
        )
        profiler = Profiler(servers["ours"].pid, workdir) if options.profile else None
        for bench_cls in ALL:
            if options.only and bench_cls.name not in options.only:
                continue
            bench = bench_cls()
            if isinstance(bench, JobBenchmark):
                say(f"{bench.name}: {bench.title}")
                measured = bench.measure(ctx)
            else:
                measured = _measure(bench, ctx, options, servers, profiler)
            results.append(BenchResult(bench, measured))
            for check in measured.checks:
                if not check.passed:
                    say(f"CHECK FAILED {bench.name}: {check.name} ({check.detail})")
        if profiler:
            notes += profiler.summaries()
    return Run(
        options=options,
        results=results,
        versions=versions,
        notes=notes,
        started=started,
        seconds=time.monotonic() - clock,
        load=(load_before, os.getloadavg()[0]),
    )
