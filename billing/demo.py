"""Demo tiers for `make run`, pushed to the Stripe stand-in so checkout works at once, and
(demo only, clearly named) patron history for the voting demo."""

from datetime import timedelta

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


@transaction.atomic
def seed_demo_only_patron_history(*, users: list, tier_slug: str = "reader", days: int = 60) -> int:
    """DEMO ONLY (`make run`'s seed_demo): make each of `users` a patron of `days` ago, with
    a membership row and one "started" history row and NO Stripe subscription behind them.

    Real memberships and their history come only from Stripe's events (billing/history.py).
    The demo needs voters who have been patrons for more than a week, and the stand-in's
    clock cannot be wound back, so these rows say plainly what they are: subscription ids
    `sub_demo_only_<user>`, history source "backfill" with the key "demo-only-seed". Deleting
    such an account is refused by Stripe (no such subscription): demo accounts only.
    Idempotent per user. Returns how many users got a history.
    """
    from django.utils import timezone

    from .models import Membership, MembershipChange

    tier = Tier.objects.get(slug=tier_slug)
    price = TierPrice.objects.get(tier=tier, currency="eur", interval="month")
    since = timezone.now() - timedelta(days=days)
    made = 0
    for user in users:
        membership, created = Membership.objects.get_or_create(
            stripe_subscription_id=f"sub_demo_only_{user.pk}",
            defaults={
                "user": user, "tier": tier, "stripe_customer_id": f"cus_demo_only_{user.pk}",
                "status": "active", "amount": price.amount, "currency": "eur",
                "interval": "month", "started_at": since,
            },
        )  # fmt: skip
        if not created:
            continue
        MembershipChange.objects.create(
            membership=membership, user=user, kind=MembershipChange.Kind.STARTED,
            occurred_at=since, source=MembershipChange.Source.BACKFILL,
            source_key="demo-only-seed", status_after="active", tier_after=tier,
            amount_after=price.amount, currency="eur", interval_after="month",
            entitled_after=True, mrr_after=price.amount, mrr_delta=price.amount,
        )  # fmt: skip
        made += 1
    return made
