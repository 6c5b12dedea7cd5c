"""Voting's email kinds, registered with members' mail machinery from SupportConfig.ready.

Ledger rows keep ids only (`round_id`, `user_id`, `topic_id`); these functions build what
the templates need at send time, in the member's language. A mailing renders the same round
for thousands of members in a row, so the round is read once per process every few seconds
rather than once per message.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone

from members.mail.kinds import MailKind, register

from ..models import Round, Topic
from .links import ballot_url
from .presenting import weight_formula

_ROUND_CACHE_SECONDS = 10.0
_rounds: dict[int, tuple[float, Round]] = {}


def _round(round_id: int) -> Round:
    now = time.monotonic()
    cached = _rounds.get(round_id)
    if cached is None or now - cached[0] > _ROUND_CACHE_SECONDS:
        if len(_rounds) > 32:
            _rounds.clear()
        cached = (now, Round.objects.get(pk=round_id))
        _rounds[round_id] = cached
    return cached[1]


def _when(moment: Any) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y, H:i")


def _round_context(data: dict[str, Any]) -> dict[str, Any]:
    rnd = _round(int(data["round_id"]))
    return {
        "round": rnd,
        "closes": _when(rnd.closes_at),
        "ballot_url": ballot_url(rnd=rnd, user_id=int(data["user_id"])),
        "round_url": settings.SITE_URL + reverse("support:round", kwargs={"slug": rnd.slug}),
        "weight_formula": weight_formula(rnd),
    }


def _covered_context(data: dict[str, Any]) -> dict[str, Any]:
    topic = Topic.objects.select_related("round").get(pk=int(data["topic_id"]))
    return {
        "topic": topic,
        "articles": list(topic.articles.all()[:5]),
        "covered_url": settings.SITE_URL + reverse("support:covered"),
    }


def _suggested_context(data: dict[str, Any]) -> dict[str, Any]:
    topic = Topic.objects.select_related("round").get(pk=int(data["topic_id"]))
    return {
        "topic": topic,
        "moderation_url": settings.SITE_URL + reverse("support:staff_moderation"),
    }


def register_kinds() -> None:
    register(
        MailKind(
            name="vote_invitation",
            template_dir="support/voting/email/invitation",
            preference="email_vote_invitations",
            build_context=_round_context,
            # Its ballot link votes for the member without a login: stored hidden.
            secret=True,
        )
    )
    register(
        MailKind(
            name="vote_reminder",
            template_dir="support/voting/email/reminder",
            preference="email_reminders",
            build_context=_round_context,
            secret=True,
        )
    )
    # "The stories you helped choose" is what the news preference promises.
    register(
        MailKind(
            name="topic_covered",
            template_dir="support/voting/email/covered",
            preference="email_news",
            build_context=_covered_context,
        )
    )
    # To editors, about their work: not bulk, no preference.
    register(
        MailKind(
            name="topic_suggested",
            template_dir="support/voting/email/suggested",
            build_context=_suggested_context,
        )
    )
