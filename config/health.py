"""`GET /healthz`: is the database, Redis and at least one Celery worker alive?

Load balancers and `make run` poll it, so each probe is bounded by a short timeout and the
page is never cached.
"""

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_redis import get_redis_connection

from .celery import app

WORKER_PING_TIMEOUT = 1.0


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_redis() -> None:
    get_redis_connection("default").ping()


def check_worker() -> None:
    replies = app.control.ping(timeout=WORKER_PING_TIMEOUT)
    if not replies:
        raise RuntimeError("no Celery worker answered a ping")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "redis": check_redis,
    "worker": check_worker,
}


def run_checks() -> dict[str, dict[str, str]]:
    results: dict[str, dict[str, str]] = {}
    for name, check in CHECKS.items():
        if name == "worker" and results.get("redis", {}).get("status") == "down":
            # Workers listen on the broker; with Redis down a ping could only hang.
            results[name] = {"status": "down", "error": "the broker (Redis) is down"}
            continue
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means "down", reported by name
            results[name] = {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"status": "up"}
    return results


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = run_checks()
    down = [name for name, result in results.items() if result["status"] != "up"]
    body = {"status": "ok" if not down else "down", "down": down, "checks": results}
    return JsonResponse(body, status=503 if down else 200)
