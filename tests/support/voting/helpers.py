"""Members with a membership history, rounds with topics: what voting tests stand on.

History rows are written directly with explicit times (as `tests/billing/
test_membership_history.py` does), so "a patron for 8 days" is exact; one test goes the
whole way through the Stripe stand-in instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any

from django.utils import timezone

from billing.models import Membership, MembershipChange, Tier
from members.models import User
from support.models import Round, Topic
from tests.billing.factories import MembershipFactory, TierFactory
from tests.members.factories import UserFactory

DAY = timedelta(days=1)
_keys = count(1)


def change(
    membership: Membership,
    kind: str,
    at: datetime,
    *,
    entitled: bool,
    status: str = "active",
    source: str = "webhook",
    **fields: Any,
) -> MembershipChange:
    return MembershipChange.objects.create(
        membership=membership,
        user=membership.user,
        kind=kind,
        occurred_at=at,
        source=source,
        source_key=f"evt_test_{next(_keys)}",
        currency="eur",
        status_after=status,
        entitled_after=entitled,
        tier_after=membership.tier,
        **fields,
    )


def patron(
    *, days: float = 30, tier: Tier | None = None, user: User | None = None, **user_fields: Any
) -> User:
    """A member whose membership started `days` ago and is active (entitled) since."""
    member = user or UserFactory(**user_fields)
    membership = MembershipFactory(user=member, tier=tier or TierFactory(), status="active")
    change(membership, "started", timezone.now() - days * DAY, entitled=True)
    return member


def a_round(*, topics: int = 3, **fields: Any) -> Round:
    """An open round (opened an hour ago, closing in a week), patrons of 7 days."""
    now = timezone.now()
    n = next(_keys)
    values = {
        "title": f"Round {n}",
        "slug": f"round-{n}",
        "question": "What should we look into?",
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + 7 * DAY,
        "status": Round.Status.OPEN,
        "method": Round.Method.SINGLE,
        "max_choices": 1,
        "min_patron_days": 7,
        **fields,
    }
    rnd = Round.objects.create(**values)
    for position in range(topics):
        Topic.objects.create(round=rnd, title=f"Topic {position + 1} of {n}", position=position)
    return rnd


def topic_ids(rnd: Round) -> list[int]:
    return list(
        Topic.objects.filter(round=rnd, status="approved")
        .order_by("position")
        .values_list("pk", flat=True)
    )
