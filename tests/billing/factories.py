import factory
from django.utils import timezone

from billing.models import Membership, Tier, TierPrice


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier

    name = factory.Sequence(lambda n: f"Tier {n}")
    slug = factory.Sequence(lambda n: f"tier-{n}")
    description = "A tier for tests."
    benefits = "Our thanks\nA vote"


class TierPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TierPrice

    tier = factory.SubFactory(TierFactory)
    currency = "eur"
    interval = "month"
    amount = 500


class MembershipFactory(factory.django.DjangoModelFactory):
    """A membership row as billing mirrors it (no subscription at the stand-in behind it)."""

    class Meta:
        model = Membership

    user = factory.SubFactory("tests.members.factories.UserFactory")
    tier = factory.SubFactory(TierFactory)
    stripe_subscription_id = factory.Sequence(lambda n: f"sub_factory{n}")
    stripe_customer_id = factory.Sequence(lambda n: f"cus_factory{n}")
    status = "active"
    amount = 500
    currency = "eur"
    interval = "month"
    started_at = factory.LazyFunction(timezone.now)
