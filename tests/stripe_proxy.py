"""A pass-through HTTP proxy between the site (and its worker) and the Stripe stand-in, which a
test can tell to lose Stripe's answers.

Losing an answer *after* the stand-in carried the request out is the hardest network failure
for a client: the refund happened, but the caller saw a connection error. It is the failure
the Stripe commands (billing.commands) must survive, and it cannot be produced by stubbing the
gateway in the test process, because the worker, a separate process, makes the calls. Only
this proxy is test code; the site, the worker, the `stripe` library and the stand-in are the
real ones.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-encoding",
    "content-length",
}


@dataclass
class _Rule:
    method: str
    path: str
    times: int


@dataclass
class StripeProxy:
    upstream: str
    rules: list[_Rule] = field(default_factory=list)
    seen: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, port: int) -> str:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                answer = requests.request(
                    self.command,
                    proxy.upstream + self.path,
                    data=body,
                    headers=headers,
                    timeout=60,
                    proxies={"http": "", "https": ""},
                )
                path = self.path.split("?", 1)[0]
                lose = proxy._take(self.command, path)
                with proxy.lock:
                    proxy.seen.append((self.command, path, 0 if lose else answer.status_code))
                if lose:
                    # The stand-in did it; the caller never hears so.
                    self.close_connection = True
                    return
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in _HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_DELETE = _forward  # noqa: N815 - http.server's names

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def _take(self, method: str, path: str) -> bool:
        with self.lock:
            for rule in self.rules:
                if rule.times > 0 and rule.method == method and path.startswith(rule.path):
                    rule.times -= 1
                    return True
        return False

    def lose_answers(self, method: str, path: str, *, times: int) -> None:
        """The next `times` requests `method path…` reach the stand-in; their answers are
        dropped (the connection closes)."""
        with self.lock:
            self.rules.append(_Rule(method=method, path=path, times=times))

    def calls(self, method: str, path: str) -> list[int]:
        """Statuses of the requests seen so far (0: answer lost)."""
        with self.lock:
            return [s for m, p, s in self.seen if m == method and p.startswith(path)]

    def reset(self) -> None:
        with self.lock:
            self.rules.clear()
            self.seen.clear()
