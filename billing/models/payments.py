"""Money that moved: payments (paid invoices and one-time contributions), refunds, disputes.

Rows outlive their member: deleting an account anonymises the person but keeps these, because
accounting needs amounts, dates and invoice ids.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .memberships import Membership


class Payment(models.Model):
    class Kind(models.TextChoices):
        SUBSCRIPTION = "subscription", _("membership")
        ONE_TIME = "one_time", _("one-time contribution")

    class Status(models.TextChoices):
        PAID = "paid", _("paid")
        PARTIALLY_REFUNDED = "partially_refunded", _("partly refunded")
        REFUNDED = "refunded", _("refunded")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
    )
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PAID)
    stripe_invoice_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    stripe_payment_intent_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_customer_id = models.CharField(max_length=255, blank=True, db_index=True)
    invoice_number = models.CharField(max_length=100, blank=True)
    amount = models.PositiveIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3)
    fee = models.PositiveIntegerField(null=True, blank=True, help_text="Stripe's fee, if known.")
    amount_refunded = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=255, blank=True)
    billing_reason = models.CharField(max_length=50, blank=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    # What the invoice charged, line by line, as the receipt shows it: a list of
    # {"description", "amount" (minor units, negative for a credit), "currency",
    # "period_start", "period_end" (unix seconds or null), "proration"}. Empty for one-time
    # contributions and for payments recorded before lines were kept.
    lines = models.JSONField(default=list, blank=True)
    paid_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stripe_invoice_id__isnull=False)
                | models.Q(stripe_payment_intent_id__isnull=False),
                name="billing_payment_has_stripe_reference",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_refunded__lte=models.F("amount")),
                name="billing_payment_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} {self.paid_at:%Y-%m-%d}"

    @property
    def net_amount(self) -> int:
        return self.amount - self.amount_refunded


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    stripe_refund_id = models.CharField(max_length=255, unique=True)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=30)
    reason = models.CharField(max_length=50, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    stripe_created = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-stripe_created"]

    def __str__(self) -> str:
        return self.stripe_refund_id


class Dispute(models.Model):
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    stripe_charge_id = models.CharField(max_length=255, db_index=True)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=30)
    reason = models.CharField(max_length=50, blank=True)
    evidence_due_by = models.DateTimeField(null=True, blank=True)
    stripe_created = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-stripe_created"]

    def __str__(self) -> str:
        return self.stripe_dispute_id
