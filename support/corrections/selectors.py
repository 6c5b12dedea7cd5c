"""Reads: the editors' queue and the public corrections log."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from support.models import CorrectionRequest

Status = CorrectionRequest.Status


def correction_queue(*, status: str = "") -> QuerySet[CorrectionRequest]:
    """Requests for editors: open ones oldest first (first come, first looked at), or those
    of one status, newest first."""
    rows = CorrectionRequest.objects.all()
    if not status:
        return rows.filter(status__in=CorrectionRequest.OPEN).order_by("created_at", "id")
    return rows.filter(status=status).order_by("-created_at", "-id")


def correction_counts() -> dict[str, int]:
    counts = dict.fromkeys(Status.values, 0)
    for row in CorrectionRequest.objects.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def corrections_published(*, article_url: str = "") -> QuerySet[CorrectionRequest]:
    """What the public log lists: corrected and clarified articles, newest decision first.
    Only the article, the date and the published note are shown; never the reader."""
    rows = CorrectionRequest.objects.filter(status__in=CorrectionRequest.PUBLISHED)
    if article_url:
        rows = rows.filter(article_url=article_url)
    return rows.order_by("-resolved_at", "-id").only(
        "article_url", "article_title", "status", "published_note", "resolved_at"
    )
