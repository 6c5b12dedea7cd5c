"""What each nightly reconciliation with Stripe found and repaired (finance staff read it)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReconciliationRun(models.Model):
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    subscriptions_checked = models.PositiveIntegerField(default=0)
    # Events Stripe had not delivered to us (or not yet), handed to the inbox like a webhook.
    events_replayed = models.PositiveIntegerField(default=0)
    # Memberships whose copy differed from Stripe's, and were copied again.
    repaired = models.PositiveIntegerField(default=0)
    # One entry per difference: {"subscription", "field", "ours", "stripe"}.
    drift = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("reconciliation run")
        permissions = [("view_reconciliation", "Can see reconciliation with Stripe")]

    def __str__(self) -> str:
        return f"reconciliation {self.started_at:%Y-%m-%d %H:%M}"
