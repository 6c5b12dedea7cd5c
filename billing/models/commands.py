"""Stripe calls that cannot be undone (cancel, refund), recorded before they are sent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .memberships import Membership


class StripeCommand(models.Model):
    """One irreversible Stripe call we decided to make.

    The row is written in the transaction that made the decision, so the decision and the
    intention to act commit together; the call is sent after commit, with the row's own
    idempotency key, and the row turns `done`. A call that fails leaves the row pending for
    the task's retry or the sweeper (billing.commands), and Stripe's idempotency makes a
    repeated call (even one whose answer was lost) act once.
    """

    class Kind(models.TextChoices):
        CANCEL_SUBSCRIPTION = "cancel_subscription", _("cancel a subscription")
        REFUND_INVOICE = "refund_invoice", _("refund what an invoice charged")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(max_length=30, choices=Kind.choices)
    idempotency_key = models.CharField(max_length=255, unique=True)
    target = models.CharField(max_length=255, help_text="The Stripe id acted on.")
    params = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="commands"
    )
    # Sent only once this one is done (a duplicate's refund waits for its cancel: money goes
    # back only when the subscription can no longer take more).
    depends_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="dependents"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the task's own retry should have run by; the sweeper takes over after that.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    result_id = models.CharField(max_length=255, blank=True, help_text="What Stripe returned.")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.target} ({self.status})"
