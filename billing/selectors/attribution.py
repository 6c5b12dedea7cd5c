"""Which articles bring patrons: completed checkouts that started from an article's "support
us" widget (`CheckoutSession.source_url`), per article.

For the staff page `/staff/articles/` and the supporter reports (support/reports reads it
through `billing.selectors`). A reader counts once per article however many times they paid
from it; `still_entitled` asks the membership history about them now.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from billing.models import CheckoutSession

from .history import entitlements_for


@dataclass
class ArticleAttribution:
    source_url: str
    patrons: int = 0  # readers who started a membership from the article
    still_entitled: int = 0  # of those, entitled now
    one_time_gifts: int = 0  # one-time contributions made from the article
    # What those first payments were, per currency, in minor units.
    first_amounts: dict[str, int] = field(default_factory=dict)
    last_at: datetime | None = None


def patrons_by_article(
    *, since: datetime | None = None, until: datetime | None = None, limit: int = 100
) -> list[ArticleAttribution]:
    """Articles by patrons brought (then gifts), most first; `since`/`until` bound when the
    checkout was completed. Two queries (sessions, then the history of their readers)."""
    sessions = CheckoutSession.objects.filter(status=CheckoutSession.Status.COMPLETE).exclude(
        source_url=""
    )
    if since is not None:
        sessions = sessions.filter(completed_at__gte=since)
    if until is not None:
        sessions = sessions.filter(completed_at__lt=until)
    rows = sessions.values_list(
        "source_url", "mode", "user_id", "currency", "amount", "completed_at"
    )
    by_url: dict[str, ArticleAttribution] = {}
    patrons: dict[str, set[int]] = defaultdict(set)
    for url, mode, user_id, currency, amount, completed_at in rows.iterator():
        item = by_url.setdefault(url, ArticleAttribution(source_url=url))
        if mode == CheckoutSession.Mode.SUBSCRIPTION:
            key = user_id if user_id is not None else -len(patrons[url]) - 1
            if key in patrons[url]:
                continue
            patrons[url].add(key)
            item.patrons += 1
        else:
            item.one_time_gifts += 1
        item.first_amounts[currency] = item.first_amounts.get(currency, 0) + amount
        if completed_at and (item.last_at is None or completed_at > item.last_at):
            item.last_at = completed_at
    everyone = {u for ids in patrons.values() for u in ids if u > 0}
    entitled = {u for u, e in entitlements_for(user_ids=everyone).items() if e.entitled}
    for url, ids in patrons.items():
        by_url[url].still_entitled = len(ids & entitled)
    ranked = sorted(by_url.values(), key=lambda a: (-a.patrons, -a.one_time_gifts, a.source_url))
    return ranked[:limit]
