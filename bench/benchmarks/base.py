"""What a benchmark is: our target, its baseline, the load, and what must hold afterwards.

A benchmark module defines one `Benchmark` subclass. The runner warms both targets up, then
runs several rounds, each measuring ours and the baseline one after the other with the same
load (the order alternates between rounds, so neither side always runs on a warmer machine),
and finally calls `verify`. Later benchmarks (staff reports, vote invitations, tallies) are
one more module each, listed in `bench.benchmarks.ALL`. Background work (vote invitations
through the worker, tallies against raw SQL) subclasses `JobBenchmark` instead.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load import LoadResult, LoadSpec
from bench.servers import Service


@dataclass
class Context:
    """What the runner started, for benchmarks to use."""

    site_url: str
    baseline_url: str
    database_url: str  # the bench database, for checks with psycopg
    site_env: dict[str, str]
    workdir: Path
    load: LoadSpec
    quick: bool
    cores: int
    webhook_secret: str
    invoice_ids: list[str]
    stripe_url: str  # empty when the Stripe stand-in could not be started
    start_worker: Callable[[], Service]
    say: Callable[[str], None]


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str = ""


@dataclass
class RoundInput:
    """What one round feeds both targets: None for a plain GET, or pre-signed bodies."""

    bodies_prefix: Path | None = None
    payload: Any = None  # benchmark-specific (the batch of events)


@dataclass(frozen=True)
class JobFigures:
    """The headline of a background-work benchmark, for the report's second table."""

    ours: str  # what ours did, in numbers and words
    baseline: str  # the baseline's figure, or "—" when the goal is absolute
    ratio: float | None  # baseline time / ours (1.0: as fast; higher is better), if any
    goal: str  # the goal in words
    goal_met: bool


@dataclass
class Measured:
    """A benchmark's results: paired rounds (HTTP) or a job's figures (background work),
    the checks, and facts for the report."""

    rounds: list[tuple[LoadResult, LoadResult]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    job: JobFigures | None = None


class Benchmark(ABC):
    name: str  # the CLI and report key
    title: str
    ours: str  # a path on the site
    baseline: str  # a path on the baseline
    baseline_label: str
    goal: float  # the ratio we aim for; a goal, not an assertion

    def setup(self, ctx: Context) -> list[Check]:
        """Make sure both targets answer as expected before loading them."""
        return []

    def round_input(self, ctx: Context, *, expected_requests: int) -> RoundInput:
        """The load of one round (or warm-up), fed to ours and then to the baseline."""
        return RoundInput()

    def after_round(
        self, ctx: Context, data: RoundInput, ours: LoadResult, baseline: LoadResult
    ) -> None:
        """Record what was sent (for verify) and clean up the round's files."""
        return

    @abstractmethod
    def verify(self, ctx: Context, measured: Measured) -> list[Check]:
        """What must hold after the rounds; may add facts to `measured`."""


class JobBenchmark(Benchmark):
    """Background work rather than HTTP requests: a fan-out through the real worker, a
    computation against raw SQL. The runner calls `measure` once instead of wrk rounds;
    the report puts its figures in a table of their own."""

    ours = ""
    baseline = ""
    baseline_label = ""

    @abstractmethod
    def measure(self, ctx: Context) -> Measured:
        """Prepare, run and check; return the figures (`Measured.job`) and the checks."""

    def verify(self, ctx: Context, measured: Measured) -> list[Check]:
        return []
