from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from members.origins import article_url_clean

from .checkout import ONE_TIME, Choice
from .models import Tier
from .money import parse_major

INTERVALS = [("month", _("Monthly")), ("year", _("Annual")), (ONE_TIME, _("One time"))]


class CheckoutForm(forms.Form):
    tier = forms.SlugField(required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=())
    interval = forms.ChoiceField(label=_("How often"), choices=INTERVALS)
    amount = forms.CharField(
        label=_("Amount"),
        required=False,
        max_length=20,
        help_text=_("Whole or with cents, like 5 or 7.50."),
    )
    # The article that brought the reader (from the widget); attribution only, never an error.
    source_url = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = settings.BILLING_CURRENCIES

    def clean_tier(self) -> Tier | None:
        slug = self.cleaned_data.get("tier")
        if not slug:
            return None
        tier = Tier.objects.filter(slug=slug, is_active=True).first()
        if tier is None:
            raise forms.ValidationError(_("Choose one of the tiers on this page."))
        return tier

    def clean_source_url(self) -> str:
        return article_url_clean(self.cleaned_data.get("source_url", ""))

    def clean_amount(self) -> int | None:
        raw = self.cleaned_data.get("amount", "")
        if not raw:
            return None
        try:
            return parse_major(raw)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        interval = data.get("interval")
        if interval == ONE_TIME and not data.get("amount") and "amount" not in self.errors:
            self.add_error("amount", _("Enter how much you would like to give."))
        if interval in ("month", "year") and not data.get("tier") and "tier" not in self.errors:
            self.add_error("tier", _("Choose a tier."))
        return data

    def choice(self) -> Choice:
        data = self.cleaned_data
        return Choice(
            tier=data.get("tier"),
            currency=data["currency"],
            interval=data["interval"],
            amount=data.get("amount"),
        )


class _TierWithPrices(forms.ModelChoiceField):
    """A tier, labelled with what a month of it costs, so the giver knows before paying."""

    def label_from_instance(self, obj: Tier) -> str:  # type: ignore[override]
        from .money import format_amount

        monthly = sorted(
            (p for p in obj.prices.all() if p.interval == "month"), key=lambda p: p.currency
        )
        prices = ", ".join(format_amount(p.amount, p.currency) for p in monthly)
        return _("%(tier)s: a month costs %(prices)s") % {"tier": obj.name, "prices": prices}


class GiftForm(forms.Form):
    tier = _TierWithPrices(
        label=_("Tier"),
        queryset=Tier.objects.filter(is_active=True).prefetch_related("prices"),
        to_field_name="slug",
        empty_label=None,
        widget=forms.RadioSelect,
    )
    months = forms.TypedChoiceField(
        label=_("For how long"),
        coerce=int,
        choices=[(1, _("1 month")), (3, _("3 months")), (12, _("12 months"))],
        widget=forms.RadioSelect,
        initial=3,
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=())
    recipient_email = forms.EmailField(
        label=_("Their email address"),
        help_text=_("We send the gift here on the day you choose."),
    )
    recipient_name = forms.CharField(
        label=_("Their name (optional)"), required=False, max_length=100
    )
    giver_name = forms.CharField(
        label=_("Your name, as they will see it (optional)"), required=False, max_length=100
    )
    message = forms.CharField(
        label=_("A message (optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deliver_on = forms.DateField(
        label=_("Send it on"),
        help_text=_("Today, or any day in the coming year."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = settings.BILLING_CURRENCIES
