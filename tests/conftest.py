"""Fixtures that start real processes: a Celery worker against the test database and Redis.

The test settings read DATABASE_URL and REDIS_URL; `make test` sets them (embedded services
when the environment does not). Tests that need the worker must commit their data, so they
use `transactional_db`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from tests.stripe_proxy import StripeProxy
from tests.utils import wait_for

ROOT = Path(__file__).resolve().parent.parent


def _database_url_for(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(autouse=True)
def _clean_slate() -> None:
    """Each test starts with an empty file mailbox, no rate-limit counters, in English.

    allauth counts attempts in the Redis cache, which outlives a test session (three runs of
    a sign-up test within three minutes would hit "one confirmation email per 3 minutes").
    Only this project's cache keys go (django-redis applies the key prefix to the pattern),
    never the Celery broker's keys that share the Redis database.
    """
    from django.core.cache import cache
    from django.utils import translation

    shutil.rmtree(settings.EMAIL_FILE_PATH, ignore_errors=True)
    cache.delete_pattern("*")
    # A request that switched to the member's language (allauth's post_login) leaves it
    # active in this thread; code outside a request must not inherit it from another test.
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def stripe_proxy() -> Iterator[StripeProxy]:
    """The address the site and the worker use as Stripe's API base: a pass-through proxy to
    the stand-in (tests/stripe_proxy.py), fixed for the whole session so that this process
    and the worker talk to the same one; a test may make it lose answers."""
    from scripts.devstack import free_port

    proxy = StripeProxy(upstream=f"http://127.0.0.1:{free_port()}")
    base = proxy.start(free_port())
    settings.STRIPE_API_BASE = base
    os.environ["STRIPE_API_BASE"] = base
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def stripe_api_base(stripe_proxy: StripeProxy) -> str:
    return stripe_proxy.base_url


@pytest.fixture(scope="session")
def worker_env(django_db_setup: None, stripe_api_base: str) -> dict[str, str]:
    """The environment a child process (worker, server) needs to share the test database."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    env["DATABASE_URL"] = _database_url_for(settings.DATABASES["default"]["NAME"])
    env["EMAIL_FILE_PATH"] = str(settings.EMAIL_FILE_PATH)
    env["STRIPE_API_BASE"] = stripe_api_base
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="session")
def celery_worker(
    worker_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[subprocess.Popen]:
    """A real `celery worker` process on the real Redis broker, using the test database."""
    from config.celery import app

    log = tmp_path_factory.mktemp("worker") / "worker.log"
    # Pings travel over Redis pub/sub, which ignores the database number: ask our own worker
    # by name, not whichever worker of another test run on the same server answers first.
    hostname = f"test-{os.getpid()}@{socket.gethostname()}"
    # A fresh broker state: tasks left from an earlier run must not run against this database.
    # Purging can drop a queued inbox drain whose nudge key is still set, which would hold
    # back the next nudge until the key expires (in production the sweeper covers that); a
    # purge here therefore clears the key with the queue.
    from django_redis import get_redis_connection

    from billing.webhooks.queueing import NUDGE_KEY

    app.control.purge()
    get_redis_connection("default").delete(NUDGE_KEY)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "-l", "INFO", "-Q", "celery,webhooks,emails,bulk",
                "--concurrency", "2", "--pool", "prefork",
                "--hostname", hostname, "--without-mingle", "--without-gossip",
            ],
            cwd=ROOT, env=worker_env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for(
            lambda: (
                proc.poll() is not None or app.control.ping(destination=[hostname], timeout=0.5)
            ),
            timeout=60,
        )
        if proc.poll() is not None:
            raise RuntimeError(f"the Celery worker exited:\n{log.read_text()[-4000:]}")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def stripe_server(
    stripe_proxy: StripeProxy, live_server: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The Stripe stand-in, a real server process behind `stripe_proxy`, sending signed
    webhooks to the live site. Returns its own address (for its control API)."""
    from fakestripe.testing import running_server

    stripe_api_base = stripe_proxy.upstream
    port = int(stripe_api_base.rsplit(":", 1)[1])
    # Stripe redirects the reader back to SITE_URL: here, the live test server.
    settings.SITE_URL = live_server.url  # type: ignore[attr-defined]
    webhook = (f"{live_server.url}/stripe/webhook/", settings.STRIPE_WEBHOOK_SECRET)  # type: ignore[attr-defined]
    with running_server(
        port=port,
        data_dir=tmp_path_factory.mktemp("fakestripe"),
        webhooks=[webhook],
        business_name=settings.NEWSROOM["NAME"],
        # The stand-in completes a paid checkout in steps with real time between them (its
        # default), so a refetch can see the subscription `incomplete` first, as at Stripe.
    ) as base:
        assert base == stripe_api_base
        yield base


@pytest.fixture
def stripe_api(stripe_server: str, stripe_proxy: StripeProxy) -> Iterator[object]:
    """A clean Stripe stand-in for tests that only call its API (no worker needed)."""
    from fakestripe.control import FakeStripeControl

    control = FakeStripeControl(stripe_server)
    control.reset()
    stripe_proxy.reset()
    yield control
    control.wait_idle()  # this test's webhooks are delivered before the next test starts


@pytest.fixture
def stripe_stand_in(
    stripe_server: str, celery_worker: object, stripe_proxy: StripeProxy
) -> Iterator[object]:
    """A clean stand-in (state and held webhooks reset) with the demo tiers pushed to it, the
    live site receiving its webhooks, and the worker processing them. Returns its control
    client."""
    from billing.demo import seed_and_sync_tiers
    from fakestripe.control import FakeStripeControl

    control = FakeStripeControl(stripe_server)
    control.reset()
    stripe_proxy.reset()
    seed_and_sync_tiers()
    control.wait_idle()  # the catalog's own events arrive before the test starts
    yield control
    control.wait_idle()


# Browser fixtures live in their own module; importing them here makes them available to all.
from tests.browser import browser_page, chromium  # noqa: E402,F401
