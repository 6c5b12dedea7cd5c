"""The load generator: Debian's `wrk`, driven with bench/wrk.lua, read back as numbers.

wrk is a C event loop that needs a fraction of one core to saturate a Python server, so the
client steals little CPU from the servers it measures on a small machine. The Lua script
writes its summary as JSON (exact microseconds, the 95th percentile that wrk's own text
leaves out) and, for POST benchmarks, feeds each request its own pre-signed body.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk.lua"


class LoadError(RuntimeError):
    pass


@dataclass(frozen=True)
class LoadSpec:
    """How hard and how long to push one target."""

    duration_s: float
    connections: int
    threads: int = 1
    timeout_s: float = 10.0


@dataclass(frozen=True)
class LoadResult:
    requests: int
    duration_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int]
    # Requests each wrk thread generated from its bodies file (POST benchmarks).
    sent_per_thread: list[int] = field(default_factory=list)
    exhausted: bool = False
    # CPU seconds the server's processes (gunicorn master and workers) used during the run,
    # measured by the runner: steadier than req/s when other work shares the machine.
    server_cpu_s: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return self.server_cpu_s * 1000 / self.requests if self.requests else 0.0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise LoadError(
            "wrk is not installed; `make bench` installs it (Debian: apt-get install wrk)"
        )
    return path


def wrk_version() -> str:
    # `wrk -v` prints its version line and exits non-zero; the text is what we want.
    proc = subprocess.run([wrk_path(), "-v"], capture_output=True, text=True, check=False)
    first = (proc.stdout or proc.stderr).strip().splitlines()
    return first[0].split(" Copyright")[0] if first else "unknown"


def run_wrk(url: str, spec: LoadSpec, *, bodies_prefix: Path | None = None) -> LoadResult:
    """Run wrk once against url and return what it measured.

    With bodies_prefix, thread i POSTs the lines of "<prefix>.<i>" in order (see wrk.lua).
    """
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        report = Path(tmp) / "report.json"
        env = {**os.environ, "BENCH_REPORT": str(report)}
        if bodies_prefix is not None:
            env["BENCH_BODIES"] = str(bodies_prefix)
        argv = [
            wrk_path(),
            "--threads", str(spec.threads),
            "--connections", str(spec.connections),
            "--duration", f"{max(1, round(spec.duration_s))}s",
            "--timeout", f"{spec.timeout_s:g}s",
            "--script", str(SCRIPT),
            url,
        ]  # fmt: skip
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not report.exists():
            raise LoadError(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
        data = json.loads(report.read_text())
    lat = data["latency_us"]
    return LoadResult(
        requests=int(data["requests"]),
        duration_s=data["duration_us"] / 1e6,
        p50_ms=lat["p50"] / 1000,
        p95_ms=lat["p95"] / 1000,
        p99_ms=lat["p99"] / 1000,
        max_ms=lat["max"] / 1000,
        errors={k: int(v) for k, v in data["errors"].items()},
        sent_per_thread=[int(n) for n in data["sent"]],
        exhausted=bool(data["exhausted"]),
    )
