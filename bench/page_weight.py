"""What the "support us" widget costs an article page, measured in Debian's chromium.

A plain article (the HTML a CMS prints, from a tiny static server on its own port: another
origin, as the CMS is) is loaded with and without the widget's
snippet, each time in a fresh browser context (a first visit: nothing cached), and we count
what the browser fetched (requests, bytes on the wire) and when things appeared: the
article's first contentful paint, its load event, and the moment the widget's frame reported
its size (it has rendered). A last load holds the loader script back for `HOLD_S` seconds:
the article must paint before the script arrives (it is `async`: it never blocks).
"""

from __future__ import annotations

import contextlib
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_port: list[int] = []


def article_origin() -> str:
    """The CMS's origin in a bench run, a loopback port picked once (bench/runner.py puts it
    in NEWSROOM_ARTICLE_ORIGINS). Loopback like the site: chromium refuses a public page's
    requests to a loopback server (local network access), so a made-up public name would
    measure a browser refusal."""
    if not _port:
        from scripts.devstack import free_port

        _port.append(free_port())
    return f"http://127.0.0.1:{_port[0]}"


@contextlib.contextmanager
def _article_server(pages: dict[str, str]) -> Iterator[None]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", _port[0]), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic"]  # fmt: skip
HOLD_S = 1.5

# The article records when the widget's frame reported its size (the loader listens too).
_PROBE = """<script>
window.__widget = null;
addEventListener("message", function (e) {
  if (e.data && e.data.patronage === "height" && window.__widget === null)
    window.__widget = performance.now();
});
</script>"""


def article(*, site: str, widget: bool) -> str:
    snippet = (
        f'<div data-patronage-widget><a href="{site}/support/">Support our journalism</a></div>'
        f'\n<script async src="{site}/static/billing/embed.js"></script>'
        if widget
        else ""
    )
    body = "\n".join(
        f"<p>Paragraph {n}. Forty vacant lots along the harbour belong to companies registered "
        "at the same address; the land register names none of their owners.</p>"
        for n in range(1, 13)
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Warehouses</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{_PROBE}</head><body><main><h1>Who owns the harbour's empty warehouses?</h1>"
        f"{body}{snippet}</main></body></html>"
    )


class MeasureError(Exception):
    """A load went wrong; the message says what the browser saw."""


@dataclass
class Load:
    requests: int
    bytes: int
    fcp_ms: float
    load_ms: float
    widget_ms: float | None  # when the frame said it rendered; None without the widget
    loader_at_ms: float | None = None  # when the held-back loader arrived


@dataclass
class PageWeight:
    without: list[Load] = field(default_factory=list)
    with_widget: list[Load] = field(default_factory=list)
    held: Load | None = None
    loader_bytes: int = 0
    error: str = ""

    @staticmethod
    def median(loads: list[Load], attr: str) -> float:
        values = [getattr(x, attr) for x in loads if getattr(x, attr) is not None]
        return statistics.median(values) if values else 0.0


def _one(browser: object, site: str, *, widget: bool, hold: float = 0.0) -> Load:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    loader_arrived: list[float] = []

    def hold_loader(route: object) -> None:
        time.sleep(hold)
        route.continue_()  # type: ignore[attr-defined]

    if hold:
        page.route("**/static/billing/embed.js", hold_loader)
    counted: list[object] = []
    trouble: list[str] = []
    page.on("requestfinished", lambda r: counted.append(r))  # noqa: PLW0108 - Playwright tags handlers; a bound builtin takes no attribute
    page.on("requestfailed", lambda r: trouble.append(f"failed {r.url}: {r.failure}"))
    page.on("console", lambda m: m.type == "error" and trouble.append(f"console: {m.text}"))
    if hold:
        page.on(
            "requestfinished",
            lambda r: r.url.endswith("/embed.js") and loader_arrived.append(time.monotonic()),
        )
    started = time.monotonic()
    page.goto(article_origin() + ("/with" if widget else "/without"), wait_until="load")
    if widget:
        try:
            page.wait_for_function("() => window.__widget !== null", timeout=15_000 + hold * 1000)
        except PlaywrightTimeout as exc:
            context.close()
            raise MeasureError(f"the widget did not render: {exc}; {trouble[:5]}") from None
    # A small page may be loaded before it has painted; its paint entry comes a frame later.
    page.wait_for_function("() => performance.getEntriesByName('first-contentful-paint').length")
    timing = page.evaluate(
        """() => ({
          fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0,
          load: performance.getEntriesByType('navigation')[0].loadEventEnd,
          widget: window.__widget,
        })"""
    )
    size = 0
    for request in counted:
        sizes = request.sizes()  # type: ignore[attr-defined]
        size += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    context.close()
    return Load(
        requests=len(counted),
        bytes=size,
        fcp_ms=timing["fcp"],
        load_ms=timing["load"],
        widget_ms=timing["widget"],
        loader_at_ms=(loader_arrived[0] - started) * 1000 if loader_arrived else None,
    )


def measure(site: str, *, loads: int) -> PageWeight:
    """`loads` cold loads of each variant, alternating, then one with the loader held."""
    result = PageWeight()
    if not Path(CHROMIUM).exists():
        result.error = f"{CHROMIUM} is missing (`make browser` installs Debian's chromium)"
        return result
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        result.error = f"playwright is missing: {exc}"
        return result
    article_origin()
    pages = {"/with": article(site=site, widget=True), "/without": article(site=site, widget=False)}
    with _article_server(pages), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            _one(browser, site, widget=True)  # warm the servers' caches, not the browser's
            for _ in range(loads):
                result.without.append(_one(browser, site, widget=False))
                result.with_widget.append(_one(browser, site, widget=True))
            result.held = _one(browser, site, widget=True, hold=HOLD_S)
        except MeasureError as exc:
            result.error = str(exc)[:2000]
        finally:
            browser.close()
    return result
