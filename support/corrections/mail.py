"""The one email a reader gets: what was decided about their report (if they left an
address). The ledger row keeps the request's id; the text is built at send time, in the
language the reader wrote in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from members.mail.kinds import MailKind, register
from support.models import CorrectionRequest


def _context(data: dict[str, Any]) -> dict[str, Any]:
    row = CorrectionRequest.objects.get(pk=data["correction_id"])
    return {
        "correction": row,
        "log_url": settings.SITE_URL + reverse("support:corrections_log"),
    }


def register_kinds() -> None:
    register(
        MailKind(
            name="correction_resolved",
            template_dir="support/emails/correction_resolved",
            build_context=_context,
        )
    )
