"""Pausing payments for 1, 2 or 3 months, resuming them, and the reminder before they resume.

A pause is Stripe's `pause_collection` with `behavior=void` and `resumes_at`: the subscription
stays active, the renewals that fall in the pause are voided (nothing is charged), and at
`resumes_at` Stripe resumes collection by itself. While paused the membership is not
*entitled* (billing.models.memberships). Three days before Stripe resumes, the member gets one
reminder (ledger key per subscription and resume date), sent by a beat task.

Pausing is offered for monthly support only: an annual patron has paid the year ahead, and a
pause would only take their benefits away.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from billing import gateway
from billing.models import Membership
from members.mail.kinds import MailKind, register
from members.mail.services import email_enqueue
from members.models import OutboundEmail

from .common import acting_on, provider_error, require, synced

PAUSE_MONTHS = (1, 2, 3)
REMIND_BEFORE = timedelta(days=3)
KIND = "pause_ending"


def pause_resumes_at(*, months: int, now: datetime | None = None) -> datetime:
    """When a pause of `months` that starts now ends."""
    return (now or timezone.now()) + relativedelta(months=months)


def membership_pause(*, membership: Membership, months: int) -> Membership:
    """Pause payments for `months` (1 to 3): renewals until then are voided, Stripe resumes by
    itself at the date. Idempotent enough: pausing again sets the date again."""
    if months not in PAUSE_MONTHS:
        raise ValueError(f"a pause is 1, 2 or 3 months, not {months!r}")
    with acting_on(membership):
        require(membership, "pause")
        resumes_at = pause_resumes_at(months=months)
        try:
            gateway.subscription_update(
                subscription_id=membership.stripe_subscription_id or "",
                params={
                    "pause_collection": {
                        "behavior": "void",
                        "resumes_at": int(resumes_at.timestamp()),
                    }
                },
            )
        except (gateway.GatewayError, gateway.GatewayUnavailable) as exc:
            raise provider_error(exc) from exc
        return synced(membership)


def membership_unpause(*, membership: Membership) -> Membership:
    """Resume payments now: the next renewal is charged again. Idempotent."""
    with acting_on(membership):
        require(membership, "unpause")
        try:
            gateway.subscription_update(
                subscription_id=membership.stripe_subscription_id or "",
                params={"pause_collection": ""},
            )
        except (gateway.GatewayError, gateway.GatewayUnavailable) as exc:
            raise provider_error(exc) from exc
        return synced(membership)


def pause_ending_key(membership: Membership) -> str:
    assert membership.pause_resumes_at is not None
    resumes = int(membership.pause_resumes_at.timestamp())
    return f"{KIND}:{membership.stripe_subscription_id}:{resumes}"


def pause_endings_remind(*, now: datetime | None = None) -> int:
    """Queue the reminder for every pause that Stripe resumes within three days, once per
    pause (the ledger key names the subscription and the resume date; a new pause is a new
    reminder). Not for a membership set to end or being ended. Returns how many were queued."""
    now = now or timezone.now()
    due = (
        Membership.objects.subscriptions()
        .filter(
            paused=True,
            status__in=("active", "past_due"),
            end_requested="",
            cancel_at_period_end=False,
            cancel_at__isnull=True,
            pause_resumes_at__gt=now,
            pause_resumes_at__lte=now + REMIND_BEFORE,
        )
        .select_related("user")
    )
    queued = 0
    for membership in due:
        key = pause_ending_key(membership)
        if OutboundEmail.objects.filter(key=key).exists():
            continue
        with transaction.atomic():
            email_enqueue(
                key=key,
                kind=KIND,
                to=membership.user.email,
                user=membership.user,
                context={
                    "membership_id": membership.pk,
                    "resumes_at": membership.pause_resumes_at.isoformat(),  # type: ignore[union-attr]
                },
            )
        queued += 1
    return queued


def _context(data: dict[str, Any]) -> dict[str, Any]:
    from billing.receipts import _membership_context

    return {
        **_membership_context(data),
        "resumes_on": datetime.fromisoformat(data["resumes_at"]),
    }


def register_kind() -> None:
    # A service message about a coming charge: it goes whatever the newsletter preferences.
    register(
        MailKind(name=KIND, template_dir="billing/emails/pause_ending", build_context=_context)
    )
