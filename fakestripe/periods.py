"""Billing period arithmetic (calendar months, clamped to the month's last day)."""

from __future__ import annotations

import calendar
import datetime as dt

DAY = 86_400


def add_months(ts: int, months: int) -> int:
    start = dt.datetime.fromtimestamp(ts, tz=dt.UTC)
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())


def period_end(anchor: int, interval: str, count: int, cycles: int) -> int:
    """End of the ``cycles``-th period counted from ``anchor``. Computing every boundary from
    the anchor (not from the previous boundary) keeps Jan 31 -> Feb 28 -> Mar 31."""
    if interval == "day":
        return anchor + cycles * count * DAY
    if interval == "week":
        return anchor + cycles * count * 7 * DAY
    months = cycles * count * (12 if interval == "year" else 1)
    return add_months(anchor, months)


def fmt_date(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%d %b %Y")
