"""Memberships mirror Stripe subscriptions; Stripe is the source of truth for their state."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalog import Tier


class BillingCustomer(models.Model):
    """A Stripe Customer and the member it belongs to. A member may have several (each
    logged-out checkout makes one); exactly one is their *primary* customer (see
    `billing.customers`), used for their signed-in checkouts."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="billing_customers"
    )
    stripe_customer_id = models.CharField(max_length=255, unique=True)
    # The member's own Customer: their signed-in checkouts pay as it. Logged-out checkouts
    # make Customers of their own, linked by email, never primary while one exists.
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_primary=True),
                name="billing_one_primary_customer_per_member",
            )
        ]

    def __str__(self) -> str:
        return self.stripe_customer_id


# Three questions, three answers; never one status set for all of them (docs/architecture.md).
#
# *Entitled*: gets the benefits and may vote. Past due stays entitled while Stripe retries the
# payment (its retry schedule is the grace period); a membership whose collection is paused is
# not entitled (see `Membership.is_entitled`, which also checks `paused`).
ENTITLED_STATUSES = ("trialing", "active", "past_due")
# *May still charge*: Stripe can take money on it again without the member (a renewal, a
# retry, a trial's end, a resume). A second one is a duplicate. Not here: `unpaid` (Stripe has
# given up retrying) and `incomplete` (its first payment is not made yet: only the member can
# complete it, and a decision taken now, before it succeeds or expires, would be premature).
MAY_CHARGE_STATUSES = ("trialing", "active", "past_due", "paused")
# *Blocks a new checkout*: in good standing. A lapsed member (past due, unpaid, incomplete) may
# pay again, and once the new one is paid the old one is cancelled (billing.memberships).
BLOCKS_CHECKOUT_STATUSES = ("trialing", "active")
# Stripe never moves a subscription out of these.
ENDED_STATUSES = ("canceled", "incomplete_expired")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def entitled(self) -> MembershipQuerySet:
        return self.filter(status__in=ENTITLED_STATUSES, paused=False)

    def subscriptions(self) -> MembershipQuerySet:
        """Memberships that are Stripe subscriptions (not comps or gifts)."""
        return self.filter(kind=Membership.Kind.SUBSCRIPTION)

    def grants(self) -> MembershipQuerySet:
        """Comps and gifts: entitled until a date, nothing charged."""
        return self.exclude(kind=Membership.Kind.SUBSCRIPTION)

    def may_charge(self) -> MembershipQuerySet:
        return self.subscriptions().filter(status__in=MAY_CHARGE_STATUSES, end_requested="")

    def blocking_checkout(self) -> MembershipQuerySet:
        return self.subscriptions().filter(status__in=BLOCKS_CHECKOUT_STATUSES, end_requested="")

    def not_ended(self) -> MembershipQuerySet:
        return self.exclude(status__in=ENDED_STATUSES)


class Membership(models.Model):
    class Kind(models.TextChoices):
        SUBSCRIPTION = "subscription", _("subscription")
        # Granted by staff, until a date: entitled, never charged, not in MRR.
        COMP = "comp", _("complimentary")
        # Bought by someone else for a number of months, claimed by the member.
        GIFT = "gift", _("gift")

    class Status(models.TextChoices):
        INCOMPLETE = "incomplete", _("incomplete")
        INCOMPLETE_EXPIRED = "incomplete_expired", _("incomplete, expired")
        TRIALING = "trialing", _("trial")
        ACTIVE = "active", _("active")
        PAST_DUE = "past_due", _("payment overdue")
        UNPAID = "unpaid", _("unpaid")
        PAUSED = "paused", _("paused")
        CANCELED = "canceled", _("ended")

    class EndRequested(models.TextChoices):
        NO = "", _("no")
        DUPLICATE = "duplicate", _("a duplicate of another membership; refunded")
        REPLACED = "replaced", _("replaced by a newer membership")
        ACCOUNT_DELETED = "account_deleted", _("the member deleted their account")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SUBSCRIPTION)
    # Empty for comps and gifts, which Stripe knows nothing of.
    stripe_subscription_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_customer_id = models.CharField(max_length=255, db_index=True, blank=True)
    stripe_price_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True)
    amount = models.PositiveIntegerField(help_text="Minor units per interval.")
    currency = models.CharField(max_length=3)
    interval = models.CharField(max_length=5)
    interval_count = models.PositiveSmallIntegerField(default=1)
    custom_amount = models.BooleanField(default=False)
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    # When it is set to end (Stripe's `cancel_at`); for a comp or a gift, when it runs out.
    cancel_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    paused = models.BooleanField(default=False, help_text="Collection paused.")
    pause_resumes_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField()
    # When we last copied the subscription's state from Stripe (always refetched, under a
    # per-subscription lock, so the last writer wrote the newest state).
    synced_at = models.DateTimeField(null=True, blank=True)
    # Set when we decided to end it at Stripe ourselves (a Stripe command carries it out): from
    # then on it no longer counts as the member's charging membership, even before Stripe's
    # confirmation arrives.
    end_requested = models.CharField(
        max_length=15, choices=EndRequested.choices, default=EndRequested.NO, blank=True
    )
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(
                    kind="subscription", status__in=MAY_CHARGE_STATUSES, end_requested=""
                ),
                name="billing_one_charging_membership_per_member",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="subscription", stripe_subscription_id__isnull=False)
                | models.Q(~models.Q(kind="subscription"), stripe_subscription_id__isnull=True),
                name="billing_membership_stripe_id_iff_subscription",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="billing_membership_amount_gte0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.tier} {self.status}"

    @property
    def is_entitled(self) -> bool:
        return self.status in ENTITLED_STATUSES and not self.paused

    @property
    def is_grant(self) -> bool:
        return self.kind != self.Kind.SUBSCRIPTION

    @property
    def may_charge(self) -> bool:
        return not self.is_grant and self.status in MAY_CHARGE_STATUSES and not self.end_requested

    @property
    def blocks_checkout(self) -> bool:
        return (
            not self.is_grant and self.status in BLOCKS_CHECKOUT_STATUSES and not self.end_requested
        )

    @property
    def is_ended(self) -> bool:
        return self.status in ENDED_STATUSES
