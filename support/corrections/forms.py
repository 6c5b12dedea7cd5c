"""The reader's report form and the editor's decision form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from members.origins import article_url_clean
from support.models import CorrectionRequest

from . import spam

Status = CorrectionRequest.Status


class CorrectionForm(forms.Form):
    article_url = forms.CharField(
        label=_("Address of the article"),
        max_length=500,
        help_text=_("Copy it from your browser's address bar."),
        widget=forms.URLInput(attrs={"autocomplete": "url", "spellcheck": "false"}),
    )
    article_title = forms.CharField(label=_("Title of the article"), max_length=300, required=False)
    problem = forms.CharField(
        label=_("What is wrong or unclear?"),
        max_length=3000,
        help_text=_("Quote the sentence if you can."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    evidence = forms.CharField(
        label=_("What should it say, and how do you know? (optional)"),
        max_length=3000,
        required=False,
        help_text=_("A source, a document, or what you saw yourself."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your email address (optional)"),
        required=False,
        help_text=_("We write to you once, when we have decided. We never publish it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    # The honeypot: hidden from people by CSS and out of the tab order; scripts fill it.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A fresh stamp each time the form is shown, also when it comes back with errors
        # (the reader took their time; the next send is measured from now).
        self.fields["shown"].initial = spam.form_stamp()
        if self.is_bound:
            self.data = self.data.copy()
            self.data["shown_sent"] = self.data.get("shown", "")
            self.data["shown"] = self.fields["shown"].initial

    def clean_article_url(self) -> str:
        url = article_url_clean(self.cleaned_data["article_url"])
        if not url:
            if settings.NEWSROOM_ARTICLE_ORIGINS:
                raise forms.ValidationError(
                    _("Enter the address of one of our articles, starting with %(origin)s.")
                    % {"origin": settings.NEWSROOM_ARTICLE_ORIGINS[0]}
                )
            raise forms.ValidationError(
                _("Enter the full address of the article, starting with https://.")
            )
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                _("Leave the field “Leave this field empty” empty, then send again.")
            )
        try:
            spam.stamp_check(self.data.get("shown_sent", ""))
        except spam.StampProblem as exc:
            if str(exc) == "too_fast":
                raise forms.ValidationError(
                    _("That was quicker than anyone can read. Check your report, then send it.")
                ) from None
            raise forms.ValidationError(
                _("This page was open for a long time. Check your report, then send it again.")
            ) from None
        limit = settings.CORRECTIONS_MAX_LINKS
        if spam.link_count(data.get("problem", ""), data.get("evidence", "")) > limit:
            self.add_error(
                "evidence" if data.get("evidence") else "problem",
                _("Use at most %(n)s links; name the other sources instead.") % {"n": limit},
            )
        return data


class ResolveForm(forms.Form):
    OUTCOMES = [
        (Status.CORRECTED, _("Corrected: the article is changed and says so")),
        (Status.CLARIFIED, _("Clarified: the article explains more")),
        (Status.DECLINED, _("Declined: the article stays as it is")),
    ]
    outcome = forms.ChoiceField(label=_("What did you decide?"), choices=OUTCOMES,
                                widget=forms.RadioSelect)  # fmt: skip
    note = forms.CharField(
        label=_("Note published on the article"),
        required=False,
        max_length=2000,
        help_text=_("For corrected and clarified: shown in the public corrections log."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(
        label=_("Reason for declining"),
        required=False,
        max_length=2000,
        help_text=_("For declined: sent to the reader if they left an address; not published."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
