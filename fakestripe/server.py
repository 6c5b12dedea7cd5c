"""Start-up and shutdown: load state, register configured endpoints, serve with waitress."""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

from waitress.server import create_server

from fakestripe.app import create_app
from fakestripe.billing_engine import Ticker
from fakestripe.completion import resume_completions
from fakestripe.config import Settings
from fakestripe.control_api import register_configured_endpoints
from fakestripe.runtime import Runtime

log = logging.getLogger("fakestripe")

MAX_HEADER_BYTES = 8 << 20


def _requeue_undelivered(rt: Runtime) -> None:
    """Deliveries that were still pending when the previous process stopped."""
    with rt.store.lock:
        for event in reversed(rt.store.all("event")):
            hooks = rt.store.private(event["id"]).get("webhooks", {})
            pending = [eid for eid, s in hooks.items() if s["status"] in {"pending", "retrying"}]
            if pending:
                rt.webhooks.enqueue(event["id"], pending)


def _stop(signum: int, frame: FrameType | None) -> None:
    # waitress's run loop turns SystemExit into an orderly shutdown of its worker threads.
    raise SystemExit(0)


def serve(settings: Settings) -> int:
    logging.basicConfig(
        level=logging.INFO if settings.log_requests else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    rt = Runtime(settings)
    if rt.store.load():
        log.info("fakestripe: loaded state from %s", rt.store.path)
    register_configured_endpoints(rt)
    app = create_app(rt)
    try:
        server = create_server(
            app,
            host=settings.host,
            port=settings.port,
            threads=settings.threads,
            ident="fakestripe",
            clear_untrusted_proxy_headers=True,
            # Oversized requests must reach the app, which answers with a Stripe-shaped
            # error, instead of waitress's plain-text one.
            max_request_header_size=MAX_HEADER_BYTES,
        )
    except OSError as exc:
        print(  # noqa: T201 - start-up failures are for the person at the terminal
            f"fakestripe: cannot listen on {settings.host}:{settings.port}: {exc}",
            file=sys.stderr,
        )
        return 1
    rt.port = server.effective_port  # type: ignore[union-attr]
    ticker = Ticker(rt, settings.tick_seconds)
    rt.store.start_saver()
    rt.webhooks.start()
    ticker.start()
    _requeue_undelivered(rt)
    resume_completions(rt)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    listen = f"http://{settings.host}:{rt.port}"
    line = f"fakestripe listening on {listen}"
    if settings.public_url:
        line += f" (public URL {rt.base_url})"
    print(line, flush=True)  # noqa: T201 - the one start-up line people and tools wait for
    try:
        server.run()
    finally:
        ticker.stop()
        rt.webhooks.stop()
        rt.store.close()
        print("fakestripe stopped", flush=True)  # noqa: T201 - pairs with the start-up line
    return 0
