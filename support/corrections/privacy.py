"""A member's reports in "Download my data", and their name and address gone when the
account is deleted (the reports stay: the corrections log stands on them)."""

from __future__ import annotations

from typing import Any

from members.models import User
from support.models import CorrectionRequest


def export_corrections(user: User) -> list[dict[str, Any]]:
    return [
        {
            "reference": r.reference,
            "article_url": r.article_url,
            "problem": r.problem,
            "evidence": r.evidence,
            "status": r.status,
            "sent_at": r.created_at.isoformat(),
        }
        for r in CorrectionRequest.objects.filter(user=user).order_by("created_at")
    ]


def anonymise_corrections(user: User) -> None:
    CorrectionRequest.objects.filter(user=user).update(name="", email="")
