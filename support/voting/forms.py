"""Voting's forms: the ballot (one shape per method), a suggestion, and the editors' forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.selectors import tier_names

from ..models import Ballot, Round, Topic

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class BallotForm(forms.Form):
    """Single choice: radio buttons; approval: checkboxes; ranked: a rank per topic (a
    plain select, so ranking works without JavaScript)."""

    def __init__(
        self, *args: Any, rnd: Round, topics: list[Topic], ballot: Ballot | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.rnd = rnd
        self.topics = topics
        choices = [(str(t.pk), t.title) for t in topics]
        current = [str(t) for t in ballot.choices] if ballot else []
        if rnd.method == Round.Method.SINGLE:
            self.fields["topic"] = forms.ChoiceField(
                label=_("Your choice"),
                choices=choices,
                widget=forms.RadioSelect,
                initial=current[0] if current else None,
                error_messages={"required": _("Choose a topic.")},
            )
        elif rnd.method == Round.Method.APPROVAL:
            self.fields["topics"] = forms.MultipleChoiceField(
                label=_("Your choices"),
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
                initial=current,
                error_messages={"required": _("Choose at least one topic.")},
            )
        else:
            ranks = [("", _("Not ranked"))] + [
                (str(n), str(n)) for n in range(1, min(rnd.max_choices, len(topics)) + 1)
            ]
            for topic in topics:
                rank = current.index(str(topic.pk)) + 1 if str(topic.pk) in current else ""
                self.fields[f"rank_{topic.pk}"] = forms.ChoiceField(
                    label=topic.title, choices=ranks, required=False, initial=str(rank)
                )

    @property
    def rank_fields(self) -> list[tuple[Topic, forms.BoundField]]:
        return [(t, self[f"rank_{t.pk}"]) for t in self.topics if f"rank_{t.pk}" in self.fields]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.rnd.method == Round.Method.APPROVAL:
            picked = data.get("topics") or []
            if len(picked) > self.rnd.max_choices:
                raise forms.ValidationError(
                    _("Choose at most %(n)s topics.") % {"n": self.rnd.max_choices}
                )
        if self.rnd.method == Round.Method.RANKED:
            ranks = {t.pk: data.get(f"rank_{t.pk}") for t in self.topics}
            given = [int(r) for r in ranks.values() if r]
            if not given:
                raise forms.ValidationError(_("Rank at least one topic."))
            if len(given) != len(set(given)):
                raise forms.ValidationError(_("Give each rank to one topic only."))
        return data

    def topic_ids(self) -> list[int]:
        """The choices in order of preference."""
        data = self.cleaned_data
        if self.rnd.method == Round.Method.SINGLE:
            return [int(data["topic"])]
        if self.rnd.method == Round.Method.APPROVAL:
            return [int(t) for t in data["topics"]]
        ranked = [
            (int(data[f"rank_{t.pk}"]), t.pk) for t in self.topics if data.get(f"rank_{t.pk}")
        ]
        return [pk for _rank, pk in sorted(ranked)]


class SuggestionForm(forms.Form):
    title = forms.CharField(
        label=_("Your topic"),
        max_length=200,
        help_text=_("One line, like a headline: what should we find out?"),
        error_messages={"required": _("Enter your topic.")},
    )
    summary = forms.CharField(
        label=_("Why it matters (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Set once the member has seen the similar topics and still wants to suggest theirs.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


def _datetime_field(label: Any, hint: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        help_text=hint,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class RoundForm(forms.Form):
    """A round's words and rules. Once the round is open, the view offers only the words
    and the extension (the service refuses anything else)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Address"), max_length=200, help_text=_("Letters, numbers and hyphens: /vote/…/")
    )
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    opens_at = _datetime_field(_("Opens at"), _("In the newsroom's time zone."))
    closes_at = _datetime_field(_("Closes at"), _("In the newsroom's time zone."))
    method = forms.ChoiceField(label=_("Voting method"), choices=Round.Method.choices)
    max_choices = forms.IntegerField(
        label=_("Most choices per ballot"),
        min_value=1,
        max_value=20,
        initial=1,
        help_text=_("Approval: how many topics a ballot may choose; ranked: how many it may rank."),
    )
    allowed_tier_ids = forms.TypedMultipleChoiceField(
        label=_("Tiers that may vote"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: patrons of every tier."),
    )
    min_patron_days = forms.IntegerField(
        label=_("Days as a patron before voting"),
        min_value=0,
        max_value=365,
        initial=7,
        help_text=_("Counted without a break, from the membership history."),
    )
    tier_weighting = forms.BooleanField(
        label=_("Weigh ballots by tier"),
        required=False,
        help_text=_("Off by default. When on, the formula is shown on the ballot and the results."),
    )
    results_visibility = forms.ChoiceField(
        label=_("Who sees the results"), choices=Round.Visibility.choices
    )
    suggestion_limit = forms.IntegerField(
        label=_("Suggestions per member"), min_value=0, max_value=20, initial=3
    )
    advisory_note = forms.CharField(
        label=_("Advisory note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown with the results. Empty: our standard note that the vote advises."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tiers = tier_names()
        self.fields["allowed_tier_ids"].choices = [(t.id, t.name) for t in tiers]
        self.weight_names = []
        for tier in tiers:
            name = f"weight_{tier.id}"
            self.fields[name] = forms.IntegerField(
                label=_("Weight of %(tier)s") % {"tier": tier.name},
                min_value=1,
                max_value=10,
                initial=1,
            )
            self.weight_names.append(name)

    @classmethod
    def initial_for(cls, rnd: Round) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: getattr(rnd, name)
            for name in (
                "title", "slug", "question", "description", "method", "max_choices",
                "allowed_tier_ids", "min_patron_days", "tier_weighting", "results_visibility",
                "suggestion_limit", "advisory_note",
            )
        }  # fmt: skip
        data["opens_at"] = timezone.localtime(rnd.opens_at)
        data["closes_at"] = timezone.localtime(rnd.closes_at)
        for key, weight in (rnd.tier_weights or {}).items():
            data[f"weight_{key}"] = weight
        return data

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The vote must close after it opens."))
        if data.get("method") == Round.Method.SINGLE:
            data["max_choices"] = 1
        return data

    def round_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "title", "slug", "question", "description", "opens_at", "closes_at", "method",
                "max_choices", "allowed_tier_ids", "min_patron_days", "tier_weighting",
                "results_visibility", "suggestion_limit", "advisory_note",
            )
        }  # fmt: skip
        fields["allowed_tier_ids"] = sorted(fields["allowed_tier_ids"])
        fields["tier_weights"] = {
            name.removeprefix("weight_"): data[name]
            for name in self.weight_names
            if data.get(name) and data[name] != 1
        }
        return fields


class ExtendForm(forms.Form):
    closes_at = _datetime_field(_("New close"), _("Later than the current close."))


class TopicForm(forms.Form):
    title = forms.CharField(label=_("Topic"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason the member will see"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why, so the member knows.")},
    )


class MergeForm(forms.Form):
    into = forms.TypedChoiceField(label=_("Merge into"), coerce=int)

    def __init__(self, *args: Any, targets: list[Topic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [(t.pk, t.title) for t in targets]


class ArticleForm(forms.Form):
    url = forms.URLField(label=_("Article address"), max_length=500, assume_scheme="https")
    title = forms.CharField(label=_("Article title"), max_length=300)
