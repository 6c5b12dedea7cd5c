"""Words and pictures for rounds and results: the method explained, the weighting formula,
the tie rule in the reader's language, and the geometry of the results chart (an SVG drawn
by a template on the server: no JavaScript, nothing from a CDN)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing.selectors import tier_names

from ..models import Round, RoundResult
from . import tally


def method_hint(rnd: Round) -> str:
    if rnd.method == Round.Method.SINGLE:
        return _("Choose one topic.")
    if rnd.method == Round.Method.APPROVAL:
        return ngettext(
            "Choose the topic you want us to cover.",
            "Choose up to %(n)s topics you want us to cover.",
            rnd.max_choices,
        ) % {"n": rnd.max_choices}
    return ngettext(
        "Rank the topic you want most.",
        "Rank up to %(n)s topics: 1 for the one you want most, 2 for the next, and so on. "
        "If your first choice drops out, your vote moves to your next.",
        rnd.max_choices,
    ) % {"n": rnd.max_choices}


def _formula(weights: dict[str, int]) -> str:
    names = {t.id: t.name for t in tier_names(ids=[int(k) for k in weights])}
    parts = [
        f"{names[int(k)]} \N{MULTIPLICATION SIGN}{int(v)}"
        for k, v in sorted(weights.items(), key=lambda kv: (-int(kv[1]), kv[0]))
        if int(k) in names
    ]
    listed = ", ".join(parts) if parts else _("none named")
    return _(
        "Ballots are weighted by tier: each ballot counts as many times as the voter's tier "
        "weighs (the highest, for a member with several). Weights: %(weights)s; any other "
        "tier ×1."  # noqa: RUF001 - the multiplication sign, literally, so gettext finds it
    ) % {"weights": listed}


def weight_formula(rnd: Round) -> str:
    """The formula shown on the ballot and the results when the round weighs ballots."""
    return _formula(rnd.tier_weights or {}) if rnd.tier_weighting else ""


def result_weight_formula(result: RoundResult) -> str:
    return _formula(result.weights or {}) if result.weighted else ""


def tie_rule_text(result: RoundResult) -> str:
    """The published tie rule in the reader's language (the stored English text is the
    record; this says the same)."""
    if result.tie_rule != tally.TIE_RULE:
        return result.tie_rule
    return _(
        "Ties for elimination are broken by fewer votes in the previous round, then by fewer "
        "first preferences, then by a lot: the tied topic with the lowest SHA-256 of "
        '"seed:round:topic id" goes. Equal totals in single-choice and approval votes are '
        "ordered by the same lot (round 1)."
    )


def decided_by_text(code: str) -> str:
    return {
        tally.PREVIOUS_ROUND: _("fewer votes in the previous round"),
        tally.FIRST_PREFERENCES: _("fewer first preferences"),
        tally.LOT: _("a lot drawn from the seed"),
    }.get(code, code)


@dataclass(frozen=True)
class Bar:
    label: str
    votes: int
    share: float  # of the most votes, 0..1
    percent: float | None  # of the votes counted (none for approval: a ballot has several)
    y: int
    width: float  # percent of the chart's width
    winner: bool

    @property
    def label_inside(self) -> bool:
        """Long bars carry their figure inside, so it never runs off a narrow screen."""
        return self.share > 0.6


# The SVG has no viewBox: widths are percentages of the page's column and text keeps its
# size, so the chart reads the same at 360 px and at 1280 px.
TRACK_PERCENT = 84.0
BAR_HEIGHT = 22
ROW_HEIGHT = 56


def chart_bars(result: RoundResult) -> dict[str, Any]:
    """Bars for the results chart: final totals (for instant runoff, each topic's votes in
    the last round it was in), widths scaled to the most votes."""
    titles = {c["id"]: c["title"] for c in result.tally.get("candidates", [])}
    totals = result.tally.get("totals", [])
    most = max((row["votes"] for row in totals), default=0)
    counted = sum(row["votes"] for row in totals) or 1
    if result.method == Round.Method.RANKED and result.tally.get("rounds"):
        last = result.tally["rounds"][-1]
        counted = sum(last["counts"].values()) or 1
    bars = []
    for n, row in enumerate(totals):
        share = row["votes"] / most if most else 0.0
        bars.append(
            Bar(
                label=titles.get(row["topic"], "?"),
                votes=row["votes"],
                share=share,
                percent=None
                if result.method == Round.Method.APPROVAL
                else 100 * row["votes"] / counted,
                y=n * ROW_HEIGHT,
                width=round(share * TRACK_PERCENT, 2),
                winner=row["topic"] == result.tally.get("winner"),
            )
        )
    return {
        "bars": bars,
        "track": TRACK_PERCENT,
        "height": max(ROW_HEIGHT * len(bars), ROW_HEIGHT),
        "bar_height": BAR_HEIGHT,
    }


def runoff_table(result: RoundResult) -> dict[str, Any]:
    """The instant-runoff rounds as a table: a row per topic, a column per round."""
    rounds = result.tally.get("rounds", [])
    titles = {c["id"]: c["title"] for c in result.tally.get("candidates", [])}
    order = [row["topic"] for row in result.tally.get("totals", [])]
    rows = []
    for topic in order:
        cells = []
        for rnd in rounds:
            votes = rnd["counts"].get(str(topic))
            cells.append({"votes": votes, "eliminated": rnd["eliminated"] == topic})
        rows.append({"title": titles.get(topic, "?"), "cells": cells})
    notes = []
    for rnd in rounds:
        if rnd["eliminated"] is None:
            continue
        text = _("Round %(n)s: %(topic)s eliminated") % {
            "n": rnd["number"],
            "topic": titles.get(rnd["eliminated"], "?"),
        }
        if rnd.get("tie"):
            tied = ", ".join(titles.get(t, "?") for t in rnd["tie"]["tied"])
            text += " " + _("(a tie between %(tied)s, decided by %(how)s)") % {
                "tied": tied,
                "how": decided_by_text(rnd["tie"]["decided_by"]),
            }
        notes.append(text)
    exhausted = [rnd["exhausted"] for rnd in rounds]
    return {"rounds": rounds, "rows": rows, "notes": notes, "exhausted": exhausted}
