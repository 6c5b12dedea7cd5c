"""Memberships mirror Stripe subscriptions; Stripe is the source of truth for their state."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalog import Tier


class BillingCustomer(models.Model):
    """A Stripe Customer and the member it belongs to. A member may have several (two
    anonymous checkouts with one email make two); new checkouts use the newest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="billing_customers"
    )
    stripe_customer_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.stripe_customer_id


# Subscription states in which the member still has (or may recover) a running membership.
LIVE_STATUSES = ("trialing", "active", "past_due", "unpaid", "paused", "incomplete")


class Membership(models.Model):
    class Status(models.TextChoices):
        INCOMPLETE = "incomplete", _("incomplete")
        INCOMPLETE_EXPIRED = "incomplete_expired", _("incomplete, expired")
        TRIALING = "trialing", _("trial")
        ACTIVE = "active", _("active")
        PAST_DUE = "past_due", _("payment overdue")
        UNPAID = "unpaid", _("unpaid")
        PAUSED = "paused", _("paused")
        CANCELED = "canceled", _("ended")

    LIVE = LIVE_STATUSES

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL)
    stripe_subscription_id = models.CharField(max_length=255, unique=True)
    stripe_customer_id = models.CharField(max_length=255, db_index=True)
    stripe_price_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True)
    amount = models.PositiveIntegerField(help_text="Minor units per interval.")
    currency = models.CharField(max_length=3)
    interval = models.CharField(max_length=5)
    custom_amount = models.BooleanField(default=False)
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    cancel_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    paused = models.BooleanField(default=False, help_text="Collection paused.")
    pause_resumes_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField()
    # When we last copied the subscription's state from Stripe (always refetched, under a
    # per-subscription lock, so the last writer wrote the newest state).
    synced_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=LIVE_STATUSES),
                name="billing_one_live_membership_per_member",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="billing_membership_amount_gte0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.tier} {self.status}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE
