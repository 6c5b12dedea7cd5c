"""The processes a benchmark run starts: gunicorn for the site and the baseline, a Celery
worker for the drain. Each runs in its own session with its output in a log file, and is
stopped by its own process id (SIGTERM, then SIGKILL to its group) — nothing else is touched.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Local servers only: a proxy from the environment must not see these requests.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerError(RuntimeError):
    pass


class Service:
    """One child process with its log; `stop()` ends it and whatever it forked."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() reaches its workers
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def cpu_seconds(self) -> float:
        """User and system CPU time of this process and its live children (gunicorn's
        workers). Workers do not exit during a run, so differences are exact."""
        try:
            root = psutil.Process(self.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        total = 0.0
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = proc.cpu_times()
                total += times.user + times.system
        return total

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout)
        # The group is the one start_new_session made for this child: only its own forks.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)


def gunicorn(
    name: str, *, app: str, port: int, workers: int, env: dict[str, str], log_dir: Path
) -> Service:
    """gunicorn as the Dockerfile runs it (sync workers), without the access log for both.

    The access log is off for the site and the baseline alike: it is the same cost on both
    sides and would only add noise from writing to a file on the same disk.
    """
    argv = [
        PYTHON, "-m", "gunicorn", app,
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "sync",
        "--log-level", "warning",
    ]  # fmt: skip
    return Service(name, argv, env, log_dir / f"{name}.log")


def celery_worker(*, env: dict[str, str], concurrency: int, log_dir: Path) -> Service:
    """The real worker, on the queues `make run` uses, as its own process."""
    argv = [
        PYTHON, "-m", "celery", "-A", "config", "worker",
        "-l", "INFO", "-Q", "celery,webhooks,emails,bulk",
        "--concurrency", str(concurrency), "--pool", "prefork",
        "--hostname", f"bench-{os.getpid()}@%h", "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    return Service("worker", argv, env, log_dir / "worker.log")


def wait_http(url: str, service: Service, timeout: float = 60) -> None:
    """Wait until url answers HTTP (any status); fail early if the service died."""
    deadline = time.monotonic() + timeout
    while True:
        if not service.alive():
            raise ServerError(f"{service.name} exited:\n{service.tail()}")
        try:
            with _opener.open(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise ServerError(f"{url} did not answer in {timeout:.0f}s") from None
            time.sleep(0.1)


def wait_log(service: Service, text: str, timeout: float = 60) -> None:
    """Wait until the service's log contains text (Celery prints "ready." when it is)."""
    deadline = time.monotonic() + timeout
    while text not in service.log.read_text(errors="replace"):
        if not service.alive():
            raise ServerError(f"{service.name} exited:\n{service.tail()}")
        if time.monotonic() > deadline:
            raise ServerError(f"{service.name} not ready in {timeout:.0f}s:\n{service.tail()}")
        time.sleep(0.05)
