"""Run the real server as a subprocess for a test::

with running_server(webhooks=[(receiver_url, "whsec_test")]) as base_url:
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": base_url})
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

_LISTENING = re.compile(r"fakestripe listening on (http://\S+)")
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerStartError(RuntimeError):
    pass


def _option_args(opts: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for key, value in opts.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is False or value is None:
            continue
        elif isinstance(value, (list, tuple)):
            args += [flag, ",".join(str(v) for v in value)]
        else:
            args += [flag, str(value)]
    return args


def _healthy(url: str) -> bool:
    try:
        with _opener.open(url + "/_control/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def running_server(
    port: int = 0,
    data_dir: str | Path | None = None,
    webhooks: Iterable[tuple[str, str]] = (),
    *,
    host: str = "127.0.0.1",
    startup_timeout: float = 20.0,
    log_path: str | Path | None = None,
    env: dict[str, str] | None = None,
    **opts: Any,
) -> Iterator[str]:
    """Start ``python -m fakestripe`` and yield its base URL once ``/_control/health`` answers.

    ``port=0`` lets the server pick a free port (read back from its start-up line); without
    ``data_dir`` a temporary directory is used. Extra keyword options become command-line
    flags (``retry_base_seconds=0.2`` -> ``--retry-base-seconds 0.2``). Test-friendly defaults:
    quick webhook retries and no per-request logging. The process is stopped (SIGTERM, then
    SIGKILL) when the block exits, also on errors.
    """
    opts = {"retry_base_seconds": 0.2, "retry_attempts": 3, "quiet": True, **opts}
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="fakestripe-"))
        data_path = Path(data_dir)
        data_path.mkdir(parents=True, exist_ok=True)
        log_file = Path(log_path) if log_path else data_path / "fakestripe.log"
        args = [
            sys.executable,
            "-m",
            "fakestripe",
            "--host",
            host,
            "--port",
            str(port),
            "--data-dir",
            str(data_path),
        ]
        for url, secret in webhooks:
            args += ["--webhook", f"{url}={secret}"]
        args += _option_args(opts)
        # Endpoints come from the arguments (or an explicit env), not from the caller's shell.
        inherited = {k: v for k, v in os.environ.items() if k != "FAKESTRIPE_WEBHOOKS"}
        child_env = {**inherited, "PYTHONUNBUFFERED": "1", **(env or {})}
        project_root = str(Path(__file__).resolve().parent.parent)
        child_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (project_root, child_env.get("PYTHONPATH")) if p
        )
        with log_file.open("ab") as log:
            # The log may hold earlier runs (same data dir); only this run's lines count.
            offset = log.tell()
            process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, env=child_env, cwd=project_root
            )
        try:
            base_url = _wait_for_start(process, log_file, offset, startup_timeout)
            yield base_url
        finally:
            _stop(process)


def _wait_for_start(
    process: subprocess.Popen[bytes], log_file: Path, offset: int, timeout: float
) -> str:
    deadline = time.monotonic() + timeout
    base_url = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(
                f"fakestripe exited with {process.returncode}:\n{_tail(log_file)}"
            )
        if base_url is None:
            with log_file.open("rb") as fh:
                fh.seek(offset)
                match = _LISTENING.search(fh.read().decode("utf-8", "replace"))
            if match:
                base_url = match.group(1)
        if base_url and _healthy(base_url):
            return base_url
        time.sleep(0.05)
    raise ServerStartError(f"fakestripe did not start within {timeout}s:\n{_tail(log_file)}")


def _tail(log_file: Path, lines: int = 40) -> str:
    try:
        return "\n".join(
            log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        )
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
