"""The membership history: an append-only ledger of what happened to each membership, when.

Voting eligibility ("a patron for 7 days") and every supporter report are computed from these
rows, not from the current `Membership` row, which is only a cache of Stripe's latest state.
How rows are written, and why the ledger is the same whatever order Stripe's events arrive
in, is in `billing/history.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalog import Tier
from .memberships import Membership


class MembershipChange(models.Model):
    class Kind(models.TextChoices):
        STARTED = "started", _("started")
        CONVERTED = "converted", _("trial converted")
        RENEWED = "renewed", _("renewed")
        UPGRADED = "upgraded", _("upgraded")
        DOWNGRADED = "downgraded", _("downgraded")
        INTERVAL_CHANGED = "interval_changed", _("interval changed")
        PAUSED = "paused", _("paused")
        RESUMED = "resumed", _("resumed")
        PAST_DUE = "past_due", _("payment overdue")
        RECOVERED = "recovered", _("recovered")
        LAPSED = "lapsed", _("lapsed (retries exhausted)")
        CANCEL_SCHEDULED = "cancel_scheduled", _("cancellation scheduled")
        CANCEL_UNDONE = "cancel_undone", _("cancellation undone")
        ENDED = "ended", _("ended")
        CHANGED = "changed", _("status changed")

    class Source(models.TextChoices):
        WEBHOOK = "webhook", _("Stripe event")
        STAFF = "staff", _("staff")
        GIFT = "gift", _("gift")
        RECONCILIATION = "reconciliation", _("reconciliation")
        BACKFILL = "backfill", _("backfill")

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="history")
    # The member, copied from the membership (which never changes hands) for per-member reads.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="membership_history"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # When it happened, by Stripe's clock (the event's `created`), not when we heard of it.
    occurred_at = models.DateTimeField(db_index=True)
    # Orders the rows of one instant: several changes carried by one event are chained in this
    # order; a rank per kind (billing.history.STEP): a start first, an end last.
    step = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=15, choices=Source.choices)
    # What it was written from: a Stripe event id, an invoice id, a staff action's id.
    source_key = models.CharField(max_length=255)

    status_before = models.CharField(max_length=20, blank=True)
    status_after = models.CharField(max_length=20)
    tier_before = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tier_after = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount_before = models.PositiveIntegerField(default=0)
    amount_after = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3)
    interval_before = models.CharField(max_length=5, blank=True)
    interval_after = models.CharField(max_length=5, blank=True)
    interval_count_before = models.PositiveSmallIntegerField(default=1)
    interval_count_after = models.PositiveSmallIntegerField(default=1)
    paused_before = models.BooleanField(default=False)
    paused_after = models.BooleanField(default=False)
    cancel_scheduled_before = models.BooleanField(default=False)
    cancel_scheduled_after = models.BooleanField(default=False)
    entitled_before = models.BooleanField(default=False)
    entitled_after = models.BooleanField(default=False)
    # Monthly recurring revenue in minor units of `currency` (annual plans counted monthly).
    mrr_before = models.IntegerField(default=0)
    mrr_after = models.IntegerField(default=0)
    mrr_delta = models.IntegerField(default=0)
    # Stripe's `cancellation_details`: reason (cancellation_requested, payment_failed,
    # payment_disputed), the member's feedback choice and comment.
    cancellation_reason = models.CharField(max_length=30, blank=True)
    cancellation_feedback = models.CharField(max_length=30, blank=True)
    cancellation_comment = models.TextField(blank=True)
    voluntary = models.BooleanField(null=True, blank=True)
    # True when "before" was taken from the row preceding this one rather than from the event
    # (Stripe's `deleted` events carry no previous state); such a row's "before" is completed
    # again if an earlier event arrives late (billing.history).
    before_derived = models.BooleanField(default=False)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "step", "id"]
        verbose_name = _("membership change")
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "source_key", "kind"], name="billing_history_once_per_cause"
            ),
            # A membership starts once and ends once, whichever source saw it first.
            models.UniqueConstraint(
                fields=["membership"],
                condition=models.Q(kind="started"),
                name="billing_history_started_once",
            ),
            models.UniqueConstraint(
                fields=["membership"],
                condition=models.Q(kind="ended"),
                name="billing_history_ended_once",
            ),
            models.CheckConstraint(
                condition=models.Q(mrr_delta=models.F("mrr_after") - models.F("mrr_before")),
                name="billing_history_mrr_delta",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "occurred_at"]),
            models.Index(fields=["membership", "occurred_at", "step"]),
            models.Index(fields=["kind", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} {self.kind} {self.occurred_at:%Y-%m-%d}"
