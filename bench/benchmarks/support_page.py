"""The public "Support us" page, anonymous, against a view that returns "ok".

A reader's first contact with the newsroom's ask for money, and the page every campaign link
points at: it must stay fast under a burst of traffic.
"""

from __future__ import annotations

from bench.http import request

from .base import Benchmark, Check, Context, Measured

TIER_NAMES = ("Reader", "Insider", "Patron")


class SupportPage(Benchmark):
    name = "support_page"
    title = "Support us page (GET /support/, anonymous)"
    ours = "/support/"
    baseline = "/ok"
    baseline_label = '"ok" view'
    goal = 0.70

    def setup(self, ctx: Context) -> list[Check]:
        status, body = request(ctx.site_url + self.ours)
        page = body.decode("utf-8", "replace")
        missing = [name for name in TIER_NAMES if name not in page]
        base_status, base_body = request(ctx.baseline_url + self.baseline)
        return [
            Check(
                "support page renders every tier with its checkout forms",
                status == 200 and not missing and "csrfmiddlewaretoken" in page,
                f"status {status}, {len(body)} bytes" + (f", missing {missing}" if missing else ""),
            ),
            Check(
                "baseline answers ok",
                base_status == 200 and base_body == b"ok",
                f"status {base_status}",
            ),
        ]

    def verify(self, ctx: Context, measured: Measured) -> list[Check]:
        return []
