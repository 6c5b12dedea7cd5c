"""What a member may do with their own membership on "My support", and the choices they have."""

from __future__ import annotations

from dataclasses import dataclass

from billing.models import Membership, ScheduledChange, Tier, TierPrice
from members.models import User

# A membership in these states has a period running that the member may act on.
_RUNNING = ("trialing", "active", "past_due")


def membership_of_member(*, user: User, membership_id: int) -> Membership | None:
    """The membership, if it is this member's own and a Stripe subscription (a comp or a gift
    has nothing to change at Stripe); else None, so the view answers 404 and tells a stranger
    nothing about whose it is."""
    return (
        Membership.objects.select_related("tier", "user")
        .subscriptions()
        .filter(pk=membership_id, user=user)
        .first()
    )


@dataclass(frozen=True)
class Actions:
    """The self-service actions the membership's state allows. The services check the same
    (the page only offers what would be accepted)."""

    change: bool
    undo_change: bool
    cancel: bool
    keep: bool  # undo a cancellation set for the period's end
    pause: bool
    pause_needs_monthly: bool  # pausing is only for monthly support: say so
    unpause: bool
    update_card: bool

    @property
    def any(self) -> bool:
        return any(
            (self.change, self.undo_change, self.cancel, self.keep, self.pause, self.unpause)
        )


def actions_for(*, membership: Membership) -> Actions:
    running = (
        not membership.is_grant
        and membership.status in _RUNNING
        and not membership.end_requested
        and not membership.is_ended
    )
    ending = bool(membership.cancel_at_period_end or membership.cancel_at)
    settled = running and membership.status == "active" and not membership.paused and not ending
    return Actions(
        change=settled,
        undo_change=running
        and not ending
        and ScheduledChange.objects.filter(membership=membership).exists(),
        cancel=running and not ending,
        keep=running and ending,
        pause=settled and membership.interval == "month",
        pause_needs_monthly=settled and membership.interval != "month",
        unpause=running and membership.paused,
        update_card=running,
    )


def scheduled_change_for(*, membership: Membership) -> ScheduledChange | None:
    """The change set for the next renewal, if any (copied from Stripe's schedule)."""
    return ScheduledChange.objects.select_related("tier").filter(membership=membership).first()


@dataclass(frozen=True)
class TierChoice:
    """A tier the member may move to, with its prices in the membership's currency."""

    tier: Tier
    monthly: int | None
    annual: int | None

    @property
    def custom(self) -> bool:
        return self.tier.allow_custom_amount and bool(self.tier.stripe_product_id)


def change_choices_for(*, membership: Membership) -> list[TierChoice]:
    """Every tier on offer with a price in the membership's currency (prices Stripe has), or
    that lets the member choose the amount."""
    prices: dict[tuple[int, str], int] = {}
    for price in TierPrice.objects.filter(
        currency=membership.currency, tier__is_active=True
    ).exclude(stripe_price_id=""):
        if price.in_sync:
            prices[(price.tier_id, price.interval)] = price.amount
    choices = []
    for tier in Tier.objects.filter(is_active=True):
        choice = TierChoice(
            tier=tier,
            monthly=prices.get((tier.pk, "month")),
            annual=prices.get((tier.pk, "year")),
        )
        if choice.monthly is not None or choice.annual is not None or choice.custom:
            choices.append(choice)
    return choices
