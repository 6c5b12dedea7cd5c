"""Gift memberships: bought by one reader for another's email, delivered on a date, claimed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalog import Tier
from .memberships import Membership
from .payments import Payment


class Gift(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("waiting for payment")
        PAID = "paid", _("paid, to be delivered")
        DELIVERED = "delivered", _("delivered, not claimed yet")
        CLAIMED = "claimed", _("claimed")

    MONTHS = (1, 3, 12)

    # Ours, in the payment's metadata: the webhook finds the gift by it.
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="gifts_given",
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT)
    months = models.PositiveSmallIntegerField()
    amount = models.PositiveIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3)
    recipient_email = models.EmailField()
    recipient_name = models.CharField(max_length=100, blank=True)
    giver_name = models.CharField(max_length=100, blank=True)
    message = models.CharField(max_length=300, blank=True)
    deliver_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="gift"
    )
    membership = models.OneToOneField(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="gift"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(months__in=(1, 3, 12)), name="billing_gift_months"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="billing_gift_paid"),
        ]
        indexes = [models.Index(fields=["status", "deliver_on"])]

    def __str__(self) -> str:
        return f"gift {self.tier} x{self.months} for {self.recipient_email}"
