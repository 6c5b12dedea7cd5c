"""`make run` as a newcomer runs it: `python -m scripts.devstack run` with no DATABASE_URL or
REDIS_URL, so it starts its own embedded PostgreSQL and Redis in a fresh folder, migrates,
loads the demo data, and runs the web server, a worker, beat and the Stripe stand-in. Then
Ctrl-C (SIGINT) must stop every process it started."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from scripts.devstack import free_port, port_is_open
from tests.utils import mailbox, wait_for

ROOT = Path(__file__).resolve().parents[2]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


@pytest.fixture
def fresh_var() -> Iterator[Path]:
    """A new, empty var/ folder inside the project: the embedded PostgreSQL runs as its own
    system user when we are root, and the project folder is one it can always traverse."""
    path = Path(tempfile.mkdtemp(prefix="make-run-", dir=ROOT / "var"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.worker
def test_make_run_serves_the_demo_and_ctrl_c_stops_everything(fresh_var: Path) -> None:
    tmp_path = fresh_var
    port, stripe_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "STRIPE_API_BASE",
                     "SITE_URL", "EMAIL_FILE_PATH", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }  # fmt: skip
    env.update(VAR_DIR=str(tmp_path / "var"), PORT=str(port), FAKESTRIPE_PORT=str(stripe_port))
    log = tmp_path / "run.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scripts.devstack", "run"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    children: list[psutil.Process] = []
    try:
        wait_for(lambda: "Ctrl-C stops everything" in log.read_text() or proc.poll() is not None,
                 timeout=180)  # fmt: skip
        assert proc.poll() is None, log.read_text()[-3000:]
        site = f"http://127.0.0.1:{port}"
        health = wait_for(lambda: get(f"{site}/healthz")[0] == 200, timeout=60)
        assert health
        status, page = get(f"{site}/support/")
        assert status == 200
        assert "Pay €5 a month" in page
        status, _ = get(f"http://127.0.0.1:{stripe_port}/_control/health")
        assert status == 200
        # The voting demo: an open round with ballots, a closed one with its results.
        status, page = get(f"{site}/vote/")
        assert status == 200
        assert "What should we investigate next?" in page
        status, page = get(f"{site}/vote/autumn-vote/results/")
        assert status == 200
        assert "<svg" in page
        text = log.read_text()
        assert re.search(r"Site\s+http://127\.0\.0\.1:\d+/", text)
        assert "staff@example.org" in text
        assert "ana@example.org: paid reader" in text
        # The demo payments went the whole way: stand-in, webhook, worker, receipt on disk.
        receipts = wait_for(
            lambda: [
                m
                for m in mailbox(tmp_path / "var" / "mail")
                if m["Subject"].startswith("Your receipt")
            ],
            timeout=60,
        )
        assert {m["To"] for m in receipts} <= {"ana@example.org", "ben@example.org"}
        assert "demo-password-2026" in text
        children = psutil.Process(proc.pid).children(recursive=True)
        # Every process the command started, and the embedded PostgreSQL it started.
        pgdata = str(tmp_path / "var" / "postgres")
        postgres = [
            p
            for p in psutil.process_iter(["cmdline"])
            if pgdata in " ".join(p.info["cmdline"] or [])
        ]
        assert postgres
        children += postgres
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 0, log.read_text()[-3000:]
    assert "stopping everything" in log.read_text()
    _gone, alive = psutil.wait_procs(children, timeout=20)
    assert alive == []
    assert not port_is_open("127.0.0.1", port)
    assert not port_is_open("127.0.0.1", stripe_port)
