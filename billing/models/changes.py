"""A change of plan the member scheduled for their next renewal (a Stripe subscription
schedule), copied from Stripe with the membership so "My support" can show it and undo it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalog import Tier
from .memberships import Membership


class ScheduledChange(models.Model):
    """The next phase of the membership's subscription schedule: what it becomes, and when.
    At most one per membership; gone once the change has happened or was undone (written only
    by `billing.schedules.scheduled_change_copy`, from Stripe's state)."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="scheduled_change"
    )
    stripe_schedule_id = models.CharField(max_length=255)
    starts_at = models.DateTimeField()
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL)
    stripe_price_id = models.CharField(max_length=255)
    amount = models.PositiveIntegerField(help_text="Minor units per interval.")
    currency = models.CharField(max_length=3)
    interval = models.CharField(max_length=5)
    interval_count = models.PositiveSmallIntegerField(default=1)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("scheduled change")

    def __str__(self) -> str:
        return f"{self.membership_id} -> {self.stripe_price_id} at {self.starts_at:%Y-%m-%d}"
