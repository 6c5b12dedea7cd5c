"""Demo tiers for `make run`, pushed to the Stripe stand-in so checkout works at once."""

from django.db import transaction

from .catalog import SyncReport, tiers_sync
from .models import Tier, TierPrice

# (slug, name, description, benefits, custom amount, {currency: (monthly, annual)})
DEMO_TIERS = [
    (
        "reader",
        "Reader",
        "The cost of a cup of coffee a month.",
        "Our thanks, every month\nVote on what we investigate next",
        True,
        {"eur": (500, 5000), "usd": (500, 5000), "gbp": (400, 4000)},
    ),
    (
        "insider",
        "Insider",
        "For readers who want to see how the reporting is made.",
        "Everything in Reader\nA monthly letter from the newsroom\nSuggest topics to vote on",
        False,
        {"eur": (1200, 12000), "usd": (1300, 13000), "gbp": (1000, 10000)},
    ),
    (
        "patron",
        "Patron",
        "Fund a reporter's week, every year.",
        "Everything in Insider\nYour name in our annual report (if you like)\n"
        "A call with the editors",
        False,
        {"eur": (3000, 30000), "usd": (3300, 33000), "gbp": (2600, 26000)},
    ),
]


@transaction.atomic
def seed_tiers() -> list[Tier]:
    tiers = []
    for position, (slug, name, description, benefits, custom, prices) in enumerate(DEMO_TIERS):
        tier, _ = Tier.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "benefits": benefits,
                "position": position,
                "allow_custom_amount": custom,
                "custom_minimum": 300,
            },
        )
        for currency, (monthly, annual) in prices.items():
            for interval, amount in (("month", monthly), ("year", annual)):
                TierPrice.objects.update_or_create(
                    tier=tier, currency=currency, interval=interval, defaults={"amount": amount}
                )
        tiers.append(tier)
    return tiers


def seed_and_sync_tiers() -> SyncReport:
    return tiers_sync(tiers=seed_tiers())
