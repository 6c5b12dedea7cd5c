"""A tiny real webhook endpoint for tests: verifies every delivery with the official library
(``stripe.Webhook.construct_event``) and records what arrived, in arrival order."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import stripe


class WebhookReceiver:
    def __init__(self, secret: str = "whsec_fakestripe_tests") -> None:  # noqa: S107 - test secret
        self.secret = secret
        self._lock = threading.Condition()
        self.events: list[dict[str, Any]] = []
        self.rejected: list[str] = []
        self.headers: list[dict[str, str]] = []
        # Browser-style GETs (success/cancel/return URLs that point here).
        self.visits: list[str] = []
        self._fail: list[int] = []
        self._fail_types: dict[str, int] = {}
        self.delay = 0.0
        self._inflight = 0
        self.max_inflight = 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver._handle(self)

            def do_GET(self) -> None:
                with receiver._lock:
                    receiver.visits.append(self.path)
                body = b"<!doctype html><title>site</title><p>landing page</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def url(self) -> str:
        return f"{self.base}/webhook"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- behaviour ----------------------------------------------------------------------

    def clear(self) -> None:
        with self._lock:
            self.events.clear()
            self.rejected.clear()
            self.headers.clear()
            self.visits.clear()
            self._fail.clear()
            self._fail_types.clear()
            self.delay = 0.0
            self.max_inflight = 0

    def fail_next(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._fail.extend([status] * count)

    def fail_type(self, event_type: str, status: int = 500) -> None:
        with self._lock:
            self._fail_types[event_type] = status

    def _handle(self, request: http.server.BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        payload = request.rfile.read(length).decode("utf-8")
        try:
            event = stripe.Webhook.construct_event(
                payload, request.headers.get("Stripe-Signature"), self.secret
            )
        except (stripe.SignatureVerificationError, ValueError) as exc:
            with self._lock:
                self.rejected.append(str(exc))
            request.send_response(400)
            request.end_headers()
            return
        with self._lock:
            self._inflight += 1
            self.max_inflight = max(self.max_inflight, self._inflight)
            status = self._fail.pop(0) if self._fail else self._fail_types.get(event.type, 200)
            delay = self.delay
        if delay:
            time.sleep(delay)
        with self._lock:
            self._inflight -= 1
            if status == 200:
                self.events.append(json.loads(payload))
                self.headers.append(dict(request.headers))
            self._lock.notify_all()
        request.send_response(status)
        request.end_headers()

    # --- inspection ---------------------------------------------------------------------

    def types(self) -> list[str]:
        with self._lock:
            return [e["type"] for e in self.events]

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.events if e["type"] == event_type]

    def wait_for(self, check: Callable[[], Any], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                result = check()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting; received {self.types()}")
                self._lock.wait(remaining)
