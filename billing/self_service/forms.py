"""The forms of "My support": change, cancel, pause. They read and check what the member typed;
the services decide (billing.self_service)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from billing.models import Membership, Tier
from billing.money import format_amount, format_price, parse_major
from billing.selectors.self_service import TierChoice, change_choices_for

from .cancelling import COMMENT_MAX_LENGTH, FEEDBACK_CHOICES
from .pausing import PAUSE_MONTHS, pause_resumes_at

INTERVALS = [("month", gettext_lazy("Monthly")), ("year", gettext_lazy("Annual"))]


def _tier_label(choice: TierChoice, currency: str) -> str:
    prices = [
        format_price(amount, currency, interval)
        for amount, interval in ((choice.monthly, "month"), (choice.annual, "year"))
        if amount is not None
    ]
    if choice.custom:
        prices.append(
            _("or your own amount from %(min)s")
            % {"min": format_amount(choice.tier.custom_minimum, currency)}
        )
    return f"{choice.tier.name}: " + ", ".join(prices) if prices else choice.tier.name


class ChangeForm(forms.Form):
    tier = forms.ChoiceField(label=gettext_lazy("Tier"), widget=forms.RadioSelect)
    interval = forms.ChoiceField(
        label=gettext_lazy("How often"), choices=INTERVALS, widget=forms.RadioSelect
    )
    amount = forms.CharField(
        label=gettext_lazy("Your own amount (optional)"),
        required=False,
        max_length=20,
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "change-%s")
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.choices = change_choices_for(membership=membership)
        currency = membership.currency
        self.fields["tier"].choices = [
            (c.tier.slug, _tier_label(c, currency)) for c in self.choices
        ]
        custom = [c.tier.name for c in self.choices if c.custom]
        if custom:
            self.fields["amount"].help_text = _(
                "Only for %(tiers)s: each month or year, whole or with cents, like 7 or 7.50. "
                "Leave it empty to pay the tier's price."
            ) % {"tiers": ", ".join(custom)}
        else:
            del self.fields["amount"]
        self.initial.setdefault("tier", membership.tier.slug if membership.tier else "")
        self.initial.setdefault("interval", membership.interval)
        if membership.custom_amount and "amount" in self.fields:
            self.initial.setdefault("amount", f"{membership.amount / 100:.2f}")

    def clean_tier(self) -> Tier:
        return Tier.objects.get(slug=self.cleaned_data["tier"])  # one of the choices

    def clean_amount(self) -> int | None:
        raw = self.cleaned_data.get("amount", "")
        if not raw:
            return None
        try:
            return parse_major(raw)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class CancelForm(forms.Form):
    feedback = forms.ChoiceField(
        label=gettext_lazy("Why are you leaving? (optional)"),
        help_text=gettext_lazy("It helps us do better. Choose the closest, or none."),
        choices=FEEDBACK_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "cancel-%s")
        super().__init__(*args, **kwargs)


def _until(months: int) -> str:
    date = formats.date_format(timezone.localtime(pause_resumes_at(months=months)), "j F Y")
    return ngettext(
        "%(months)s month, until %(date)s", "%(months)s months, until %(date)s", months
    ) % {"months": months, "date": date}


class PauseForm(forms.Form):
    months = forms.TypedChoiceField(
        label=gettext_lazy("For how long"),
        coerce=int,
        choices=(),
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "pause-%s")
        super().__init__(*args, **kwargs)
        self.fields["months"].choices = [(m, _until(m)) for m in PAUSE_MONTHS]
