import factory

from billing.models import Tier, TierPrice


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
