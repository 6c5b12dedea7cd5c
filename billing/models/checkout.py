"""Checkout Sessions we started, so the success page can tell its owner from a stranger."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from .catalog import Tier


class CheckoutSession(models.Model):
    class Mode(models.TextChoices):
        SUBSCRIPTION = "subscription"
        PAYMENT = "payment"

    class Status(models.TextChoices):
        OPEN = "open"
        COMPLETE = "complete"
        EXPIRED = "expired"

    # Our id, sent as `client_reference_id`: the webhook finds this row by it.
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    stripe_session_id = models.CharField(max_length=255, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    email = models.EmailField(blank=True)
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL)
    mode = models.CharField(max_length=12, choices=Mode.choices)
    currency = models.CharField(max_length=3)
    interval = models.CharField(max_length=5, blank=True)
    amount = models.PositiveIntegerField()
    url = models.URLField(max_length=2000)
    # The article whose "support us" widget brought the reader (also in the session's, the
    # subscription's and the payment's metadata at Stripe as `source_url`); empty otherwise.
    source_url = models.URLField(max_length=500, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.stripe_session_id
