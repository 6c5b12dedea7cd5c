"""Health endpoints for load balancers, container healthchecks and people.

- `GET /healthz`, liveness: this process serves requests. Always `{"status": "ok"}`; it asks
  no other service, so a database outage never gets a healthy web process restarted.
- `GET /readyz`, readiness: the database and Redis answer, so requests can be served.
  `{"status": "ready"}` (200) or `{"status": "not ready"}` (503), nothing more in public.
- Details (every check with its error text, and whether a Celery worker answers a ping) are
  added to `/readyz` for staff with `members.view_health` or a request carrying
  `Authorization: Bearer <HEALTH_TOKEN>`. A missing worker is a detail, not unreadiness: the
  site takes payments and webhooks without one (they wait in the inbox and the ledger).

Each probe is bounded by a short timeout and no answer is cached.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_redis import get_redis_connection

from .celery import app

log = logging.getLogger(__name__)

WORKER_PING_TIMEOUT = 1.0
DETAILS_PERMISSION = "members.view_health"


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


# What readiness needs; the worker is checked for the details only.
READINESS: dict[str, Callable[[], None]] = {"database": check_database, "redis": check_redis}


def _run(check: Callable[[], None]) -> dict[str, str]:
    try:
        check()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported by name
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"status": "up"}


def run_checks(*, worker: bool) -> dict[str, dict[str, str]]:
    results = {name: _run(check) for name, check in READINESS.items()}
    if worker:
        if results["redis"]["status"] == "down":
            # Workers listen on the broker; with Redis down a ping could only hang.
            results["worker"] = {"status": "down", "error": "the broker (Redis) is down"}
        else:
            results["worker"] = _run(check_worker)
    return results


def may_see_details(request: HttpRequest) -> bool:
    token = settings.HEALTH_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())
    try:
        return request.user.has_perm(DETAILS_PERMISSION)
    except Exception:  # noqa: BLE001 - sessions live in Redis and the database, maybe down
        log.warning("readyz: could not load the session; answering without details")
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    details = may_see_details(request)
    results = run_checks(worker=details)
    ready = all(results[name]["status"] == "up" for name in READINESS)
    body: dict[str, object] = {"status": "ready" if ready else "not ready"}
    if details:
        body["checks"] = results
    return JsonResponse(body, status=200 if ready else 503)
