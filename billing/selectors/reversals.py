"""Money that went back to a member (refunds) or that a member contested (disputes), by when
Stripe says it happened. Voting flags ballots of members with one during a round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from billing.models import Dispute, Refund

# Refunds that did not happen do not count (billing.payments derives amounts the same way).
_UNDONE_REFUND_STATUSES = ("failed", "canceled")


@dataclass(frozen=True)
class Reversal:
    user_id: int
    kind: str  # "refund" or "dispute"
    occurred_at: datetime
    stripe_id: str


def reversals_between(*, since: datetime, until: datetime) -> list[Reversal]:
    """Refunds (not failed or canceled) and disputes of members' payments that Stripe dated
    in [since, until), oldest first. Two queries; reads only."""
    refunds = (
        Refund.objects.filter(
            stripe_created__gte=since, stripe_created__lt=until, payment__user__isnull=False
        )
        .exclude(status__in=_UNDONE_REFUND_STATUSES)
        .values_list("payment__user_id", "stripe_created", "stripe_refund_id")
    )
    disputes = Dispute.objects.filter(
        stripe_created__gte=since, stripe_created__lt=until, payment__user__isnull=False
    ).values_list("payment__user_id", "stripe_created", "stripe_dispute_id")
    found = [Reversal(u, "refund", at, sid) for u, at, sid in refunds]
    found += [Reversal(u, "dispute", at, sid) for u, at, sid in disputes]
    return sorted(found, key=lambda r: (r.occurred_at, r.stripe_id))
