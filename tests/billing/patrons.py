"""Members who are patrons by the membership history, without a trip through Stripe: a
membership row and its `started` history row, as the webhook would have written them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from billing.models import Membership, MembershipChange, Tier
from members.models import User
from tests.billing.factories import MembershipFactory


def make_patron(user: User, *, tier: Tier | None = None, days: int = 10) -> Membership:
    kwargs = {"tier": tier} if tier is not None else {}
    membership = MembershipFactory(user=user, status="active", **kwargs)
    MembershipChange.objects.create(
        membership=membership,
        user=user,
        kind="started",
        occurred_at=timezone.now() - timedelta(days=days),
        source="webhook",
        source_key=f"evt_started_{membership.pk}",
        currency="eur",
        status_after="active",
        entitled_after=True,
        tier_after=membership.tier,
    )
    return membership


def end_patronage(membership: Membership) -> None:
    MembershipChange.objects.create(
        membership=membership,
        user=membership.user,
        kind="ended",
        occurred_at=timezone.now() - timedelta(minutes=1),
        source="webhook",
        source_key=f"evt_ended_{membership.pk}",
        currency="eur",
        status_before="active",
        status_after="canceled",
        entitled_before=True,
        entitled_after=False,
        tier_before=membership.tier,
    )
