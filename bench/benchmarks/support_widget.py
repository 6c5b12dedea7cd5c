"""The "support us" widget: its frame page under load (every article view asks for it), and
what it adds to an article in a real browser (bench/page_weight.py)."""

from __future__ import annotations

import urllib.request

from bench import page_weight

from .base import Benchmark, Check, Context, Measured

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
MAX_EXTRA_REQUESTS = 5  # loader, frame, its stylesheet and theme, its height script
MAX_LOADER_BYTES = 3 * 1024


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    with _opener.open(urllib.request.Request(url), timeout=30) as response:
        return response.status, dict(response.headers.items()), response.read()


class SupportWidget(Benchmark):
    name = "support_widget"
    title = "Support widget frame (GET /embed/support/, anonymous)"
    ours = "/embed/support/?lang=en&currency=eur"
    baseline = "/ok"
    baseline_label = '"ok" view'
    goal = 0.50

    def setup(self, ctx: Context) -> list[Check]:
        status, headers, body = _get(ctx.site_url + self.ours)
        page = body.decode("utf-8", "replace")
        csp = headers.get("Content-Security-Policy", "")
        return [
            Check(
                "the frame shows the tiers, sets no cookie, may be framed by the article site",
                status == 200
                and "Join as Reader" in page
                and "Set-Cookie" not in headers
                and f"frame-ancestors {page_weight.article_origin()}" in csp,
                f"status {status}, {len(body)} bytes, CSP {csp!r}",
            )
        ]

    def verify(self, ctx: Context, measured: Measured) -> list[Check]:
        loads = 2 if ctx.quick else 7
        ctx.say(f"{self.name}: {loads} cold loads of the article with and without the widget")
        weight = page_weight.measure(ctx.site_url, loads=loads)
        if weight.error:
            return [Check("the article loads in chromium", False, weight.error)]
        _status, _headers, loader = _get(ctx.site_url + "/static/billing/embed.js")
        med = page_weight.PageWeight.median
        bare, full = weight.without, weight.with_widget
        extra_requests = med(full, "requests") - med(bare, "requests")
        extra_bytes = med(full, "bytes") - med(bare, "bytes")
        held = weight.held
        measured.facts += [
            f"article without the widget: {med(bare, 'requests'):.0f} request(s), "
            f"{med(bare, 'bytes') / 1024:.1f} KiB, first paint {med(bare, 'fcp_ms'):.0f} ms, "
            f"load {med(bare, 'load_ms'):.0f} ms (medians of {loads} cold loads)",
            f"article with the widget: {med(full, 'requests'):.0f} requests, "
            f"{med(full, 'bytes') / 1024:.1f} KiB, first paint {med(full, 'fcp_ms'):.0f} ms, "
            f"load {med(full, 'load_ms'):.0f} ms, widget rendered at "
            f"{med(full, 'widget_ms'):.0f} ms",
            f"the widget adds {extra_requests:.0f} requests and {extra_bytes / 1024:.1f} KiB "
            f"(the loader itself {len(loader)} bytes, uncompressed); the article's first paint "
            f"moves by {med(full, 'fcp_ms') - med(bare, 'fcp_ms'):+.0f} ms; its load event "
            f"by {med(full, 'load_ms') - med(bare, 'load_ms'):+.0f} ms (a frame in view is "
            "part of the page's load)",
        ]
        if held is not None:
            measured.facts.append(
                f"loader held back {page_weight.HOLD_S:g} s: the article painted at "
                f"{held.fcp_ms:.0f} ms, the loader arrived at {held.loader_at_ms or 0:.0f} ms, "
                f"the widget rendered at {held.widget_ms or 0:.0f} ms"
            )
        return [
            Check(
                f"the widget adds at most {MAX_EXTRA_REQUESTS} requests",
                0 < extra_requests <= MAX_EXTRA_REQUESTS,
                f"{extra_requests:.0f}",
            ),
            Check(
                f"the loader is at most {MAX_LOADER_BYTES} bytes",
                0 < len(loader) <= MAX_LOADER_BYTES,
                f"{len(loader)} bytes",
            ),
            Check(
                "the widget renders in every load",
                all(x.widget_ms is not None for x in full),
            ),
            Check(
                "the article paints before a held-back loader arrives (it never blocks)",
                held is not None
                and held.loader_at_ms is not None
                and 0 < held.fcp_ms < held.loader_at_ms
                and held.widget_ms is not None,
                ""
                if held is None
                else f"paint {held.fcp_ms:.0f} ms, loader {held.loader_at_ms or 0:.0f} ms",
            ),
        ]
