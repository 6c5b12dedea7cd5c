"""A member's memberships and payments, as billing's pages show them."""

from __future__ import annotations

from django.db.models import Q

from billing.models import Membership, Payment, StripeCommand
from members.models import User


def membership_current_for(*, user: User) -> Membership | None:
    """The membership "My support" is about: the one that may still charge (there is at most
    one), else the newest that has not ended (an unpaid one, which the member may pay again)."""
    memberships = Membership.objects.filter(user=user).select_related("tier")
    return memberships.may_charge().first() or memberships.not_ended().first()


def membership_blocking_checkout_for(*, user: User) -> Membership | None:
    """The membership in good standing that makes a second checkout pointless, if any."""
    return Membership.objects.filter(user=user).blocking_checkout().select_related("tier").first()


def memberships_for(*, user: User) -> list[Membership]:
    return list(Membership.objects.filter(user=user).select_related("tier"))


def payments_for(*, user: User) -> list[Payment]:
    return list(
        Payment.objects.filter(user=user)
        .select_related("membership__tier")
        .prefetch_related("refunds")
        .order_by("-paid_at")
    )


def stripe_commands_needing_attention(*, limit: int = 50) -> list[StripeCommand]:
    """Cancels and refunds Stripe refused or we gave up on, and pending ones that have been
    retried: what finance should look at (and, for a failed one, do by hand)."""
    return list(
        StripeCommand.objects.filter(
            Q(status=StripeCommand.Status.FAILED)
            | Q(status=StripeCommand.Status.PENDING, attempts__gt=0)
        )
        .select_related("membership__user")
        .order_by("-created_at")[:limit]
    )
