"""The welcome email goes when a membership first becomes entitled, whatever state Stripe
first showed it in (issue 9, item 11)."""

from __future__ import annotations

import pytest

from billing import gateway
from billing.customers import customer_for_user
from billing.models import Membership, TierPrice
from members.models import OutboundEmail
from tests.billing.money_path import drain
from tests.members.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe, pytest.mark.worker]


def test_a_trial_is_welcomed_when_it_starts_and_once(stripe_stand_in: object) -> None:
    member = UserFactory()
    price = TierPrice.objects.get(tier__slug="reader", currency="eur", interval="month")
    gateway.client().v1.subscriptions.create(
        {
            "customer": customer_for_user(user=member),
            "items": [{"price": price.stripe_price_id}],
            "trial_period_days": 14,
        }
    )
    drain(stripe_stand_in)
    membership = Membership.objects.get(user=member)
    assert (membership.status, membership.is_entitled) == ("trialing", True)
    welcome = OutboundEmail.objects.get(kind="welcome")
    assert (welcome.to, welcome.status) == (member.email, "sent")
    history = list(membership.history.values_list("kind", "mrr_after"))
    assert history == [("started", 0)]  # a trial is entitled, but no revenue yet
