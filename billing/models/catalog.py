"""What readers can buy: tiers, each with a price per currency and interval."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Currency(models.TextChoices):
    EUR = "eur", "EUR"
    USD = "usd", "USD"
    GBP = "gbp", "GBP"


class Interval(models.TextChoices):
    MONTH = "month", _("monthly")
    YEAR = "year", _("annual")


class Tier(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    benefits = models.TextField(_("benefits"), blank=True, help_text=_("One per line."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)
    allow_custom_amount = models.BooleanField(
        _("reader chooses the amount"),
        default=False,
        help_text=_("Readers may pay any amount from the minimum up."),
    )
    custom_minimum = models.PositiveIntegerField(
        _("minimum amount (minor units)"),
        default=300,
        help_text=_("In cents/pence of the chosen currency, e.g. 300 = 3.00."),
    )
    stripe_product_id = models.CharField(max_length=255, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("tier")

    def __str__(self) -> str:
        return self.name

    @property
    def benefit_list(self) -> list[str]:
        return [line.strip() for line in self.benefits.splitlines() if line.strip()]


class TierPrice(models.Model):
    """A tier's price in one currency and interval, and the Stripe Price that charges it.

    Stripe Prices are immutable: when `amount` changes, the sync creates a new Price and
    archives the old one. `synced_amount` is the amount the current Stripe Price charges.
    """

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(max_length=3, choices=Currency.choices)
    interval = models.CharField(max_length=5, choices=Interval.choices)
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    stripe_price_id = models.CharField(max_length=255, blank=True, db_index=True)
    synced_amount = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["tier", "interval", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "currency", "interval"], name="billing_tierprice_unique"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="billing_price_gt0"),
        ]

    def __str__(self) -> str:
        return f"{self.tier} {self.amount} {self.currency}/{self.interval}"

    @property
    def in_sync(self) -> bool:
        return bool(self.stripe_price_id) and self.synced_amount == self.amount
