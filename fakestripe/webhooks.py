"""Webhook delivery, signed the way Stripe signs, from background threads.

Events are queued while the API request that caused them still holds the store lock; a
delivery thread picks them up afterwards, so a delivery never happens inside an API request.
Failed deliveries are retried with exponential backoff. For tests, deliveries can be held and
then released in a chosen order, duplicated and/or concurrently.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import hmac
import itertools
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

log = logging.getLogger("fakestripe.webhooks")

MAX_DELIVERY_LOG = 20_000
RELEASE_ORDERS = ("as_created", "reverse", "shuffle")


def sign(payload: str, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # Stripe treats a redirect from a webhook endpoint as a failed delivery.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxies: endpoints are local, and proxy variables in the environment must not reroute them.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    event_id: str = field(compare=False)
    endpoint_id: str = field(compare=False)
    attempt: int = field(compare=False, default=1)


class Dispatcher:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._cond = threading.Condition()
        self._heap: list[_Job] = []
        self._held: list[_Job] | None = None
        self._inflight = 0
        self._seq = itertools.count()
        self._delivery_ids = itertools.count(1)
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.deliveries: deque[dict[str, Any]] = deque(maxlen=MAX_DELIVERY_LOG)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="fakestripe-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def clear(self) -> None:
        with self._cond:
            self._heap.clear()
            self._held = None
            self.deliveries.clear()
            self._cond.notify_all()

    # --- queueing ---------------------------------------------------------------------------

    def enqueue(self, event_id: str, endpoint_ids: list[str]) -> None:
        with self._cond:
            now = time.time()
            for endpoint_id in endpoint_ids:
                job = _Job(now, next(self._seq), event_id, endpoint_id)
                if self._held is not None:
                    self._held.append(job)
                else:
                    heapq.heappush(self._heap, job)
            self._cond.notify_all()

    def hold(self) -> None:
        with self._cond:
            if self._held is None:
                self._held = []

    @property
    def holding(self) -> bool:
        return self._held is not None

    def held(self) -> list[dict[str, str]]:
        with self._cond:
            return [{"event": j.event_id, "endpoint": j.endpoint_id} for j in self._held or []]

    def release(
        self,
        order: str = "as_created",
        duplicates: int = 1,
        concurrent: bool = False,
        seed: int | None = None,
    ) -> int:
        """Deliver what was held (and stop holding). Returns the number of deliveries queued."""
        with self._cond:
            batch = self._held or []
            self._held = None
        if order == "reverse":
            batch = batch[::-1]
        jobs = [job for job in batch for _ in range(max(1, duplicates))]
        if order == "shuffle":
            random.Random(seed).shuffle(jobs)
        if concurrent and jobs:
            self._deliver_concurrently(jobs)
        else:
            with self._cond:
                now = time.time()
                for job in jobs:
                    heapq.heappush(
                        self._heap, _Job(now, next(self._seq), job.event_id, job.endpoint_id)
                    )
                self._cond.notify_all()
        return len(jobs)

    def redeliver(self, event_id: str, endpoint_ids: list[str]) -> int:
        with self._cond:
            now = time.time()
            for endpoint_id in endpoint_ids:
                heapq.heappush(self._heap, _Job(now, next(self._seq), event_id, endpoint_id))
            self._cond.notify_all()
        return len(endpoint_ids)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """True once nothing is queued (including scheduled retries) or in flight."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._heap and self._inflight == 0, timeout=timeout
            )

    def pending(self) -> int:
        with self._cond:
            return len(self._heap) + self._inflight

    # --- delivery ---------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping:
                    if self._heap and self._heap[0].due <= time.time():
                        break
                    wait = self._heap[0].due - time.time() if self._heap else None
                    self._cond.wait(timeout=wait)
                if self._stopping:
                    return
                job = heapq.heappop(self._heap)
                self._inflight += 1
            self._deliver_counted(job)

    def _deliver_counted(self, job: _Job) -> None:
        """Deliver one job that was counted in flight; never let a crash stop its thread."""
        try:
            self._deliver(job)
        except Exception:
            log.exception("fakestripe: webhook delivery crashed")
        finally:
            with self._cond:
                self._inflight -= 1
                self._cond.notify_all()

    def _deliver_concurrently(self, jobs: list[_Job]) -> None:
        work: deque[_Job] = deque(jobs)
        start = threading.Barrier(min(8, len(jobs)))
        with self._cond:
            self._inflight += len(jobs)

        def worker() -> None:
            # Start together so the requests really overlap at the receiver.
            with contextlib.suppress(threading.BrokenBarrierError):
                start.wait(timeout=2)
            while True:
                try:
                    job = work.popleft()
                except IndexError:
                    return
                self._deliver_counted(job)

        for n in range(start.parties):
            threading.Thread(target=worker, name=f"fakestripe-release-{n}", daemon=True).start()

    def _payload(self, job: _Job) -> tuple[str, str, str] | None:
        store = self.rt.store
        with store.lock:
            event = store.get("event", job.event_id)
            endpoint = store.get("webhook_endpoint", job.endpoint_id)
            if event is None or endpoint is None:
                return None
            secret = store.private(endpoint["id"]).get("secret", "")
            return endpoint["url"], secret, json.dumps(event, indent=2)

    def _deliver(self, job: _Job) -> None:
        prepared = self._payload(job)
        if prepared is None:
            return
        url, secret, payload = prepared
        timestamp = int(time.time())
        request = urllib.request.Request(  # noqa: S310 - endpoint URLs are http(s) by validation
            url,
            data=payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                "Stripe-Signature": sign(payload, secret, timestamp),
                "Accept": "*/*; q=0.5, application/xml",
                "Cache-Control": "no-cache",
            },
        )
        status: int | None = None
        error: str | None = None
        started = time.time()
        try:
            with _opener.open(request, timeout=self.rt.settings.delivery_timeout) as response:
                status = response.status
                response.read(65536)
        except urllib.error.HTTPError as exc:
            status = exc.code
            with contextlib.suppress(Exception):
                exc.read(65536)
        except (OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300
        record = {
            "id": f"dlv_{next(self._delivery_ids)}",
            "event": job.event_id,
            "type": json.loads(payload)["type"],
            "endpoint": job.endpoint_id,
            "url": url,
            "attempt": job.attempt,
            "status": status,
            "ok": ok,
            "error": error,
            "signed_at": timestamp,
            "at": started,
            "duration_ms": round((time.time() - started) * 1000, 1),
        }
        self.deliveries.append(record)
        self._record(job, ok)
        if not ok and job.attempt < self.rt.settings.retry_attempts:
            delay = self.rt.settings.retry_base_seconds * 2 ** (job.attempt - 1)
            with self._cond:
                heapq.heappush(
                    self._heap,
                    _Job(
                        time.time() + delay,
                        next(self._seq),
                        job.event_id,
                        job.endpoint_id,
                        job.attempt + 1,
                    ),
                )
                self._cond.notify_all()

    def _record(self, job: _Job, ok: bool) -> None:
        store = self.rt.store
        with store.lock:
            event = store.get("event", job.event_id)
            if event is None:
                return
            hooks = store.private(job.event_id).setdefault("webhooks", {})
            state = hooks.setdefault(job.endpoint_id, {"status": "pending", "attempts": 0})
            state["attempts"] += 1
            if ok:
                state["status"] = "succeeded"
            elif state["status"] != "succeeded":
                final = job.attempt >= self.rt.settings.retry_attempts
                state["status"] = "failed" if final else "retrying"
            event["pending_webhooks"] = sum(1 for s in hooks.values() if s["status"] != "succeeded")
            store.mark_dirty()
