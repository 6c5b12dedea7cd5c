"""Members' voting pages: the current votes, a round's ballot (signed in, or through the
signed link of an invitation), results, suggestions, and "You asked, we reported".

Views validate, call one service, render. The signed link names its member; it opens that
member's ballot and signs nobody in.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..models import Round, Topic
from . import presenting, selectors
from .ballots import BallotRefused, ballot_cast, refusal_message
from .forms import BallotForm, SuggestionForm
from .links import EXPIRED, FORGED, OTHER_ROUND, BallotLinkRefused, ballot_token_read
from .topics import TopicRefused, similar_topics, suggestions_left, topic_back, topic_suggest


def posted_data(request: HttpRequest) -> QueryDict | None:
    """The POST data for a form, bound even when empty (an empty POST is an error to show,
    not a blank form)."""
    return request.POST if request.method == "POST" else None


def _round_or_404(slug: str) -> Round:
    rnd = selectors.round_public(slug=slug)
    if rnd is None:
        raise Http404
    return rnd


def _closes_text(rnd: Round) -> str:
    return formats.date_format(timezone.localtime(rnd.closes_at), "j F Y, H:i")


@require_GET
def vote_index(request: HttpRequest) -> HttpResponse:
    return render(request, "support/voting/index.html", {"overview": selectors.rounds_overview()})


def _ballot_page(request: HttpRequest, rnd: Round, *, user_id: int, via_link: bool) -> HttpResponse:
    """The ballot of `user_id` in `rnd`: shown, or cast and shown again (POST, redirect)."""
    topics = selectors.topics_on_ballot(rnd=rnd)
    ballot = selectors.ballot_of(rnd=rnd, user_id=user_id)
    eligibility = selectors.eligibility_for(rnd=rnd, user_id=user_id)
    form = BallotForm(posted_data(request), rnd=rnd, topics=topics, ballot=ballot)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ballot_cast(rnd=rnd, user_id=user_id, topic_ids=form.topic_ids())
            except BallotRefused as exc:
                form.add_error(None, str(exc))
                status = 409 if exc.code == "closed" else 403 if exc.eligibility else 400
            else:
                messages.success(
                    request,
                    _("Your vote is saved. You can change it until %(when)s.")
                    % {"when": _closes_text(rnd)},
                )
                return redirect(request.path)
        else:
            status = 400
    context: dict[str, Any] = {
        "round": rnd,
        "form": form,
        "ballot": ballot,
        "my_choices": selectors.ballot_topics(ballot=ballot),
        "eligibility": eligibility,
        "refusal": None if eligibility.eligible else refusal_message(eligibility, rnd),
        "method_hint": presenting.method_hint(rnd),
        "weight_formula": presenting.weight_formula(rnd),
        "closes": _closes_text(rnd),
        "via_link": via_link,
        "accepting": rnd.is_open,
    }
    response = render(request, "support/voting/round.html", context, status=status)
    if via_link:
        # The link is the member's key to this ballot: keep it out of caches and out of the
        # Referer header sent to other sites. ("no-referrer" would also make the browser send
        # `Origin: null` with the ballot's own POST, which the CSRF check rightly refuses.)
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "same-origin"
    return response


@require_http_methods(["GET", "POST"])
def round_page(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round_or_404(slug)
    if request.user.is_authenticated and rnd.status in (Round.Status.OPEN, Round.Status.SCHEDULED):
        return _ballot_page(request, rnd, user_id=request.user.pk, via_link=False)
    if request.method == "POST":
        return redirect("account_login")
    context = {
        "round": rnd,
        "topics": selectors.topics_on_ballot(rnd=rnd),
        "method_hint": presenting.method_hint(rnd),
        "closes": _closes_text(rnd),
        "accepting": rnd.is_open,
    }
    return render(request, "support/voting/round_info.html", context)


@require_http_methods(["GET", "POST"])
def ballot_link(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    rnd = Round.objects.filter(slug=slug).first()
    reason = FORGED
    if rnd is not None:
        try:
            user_id = ballot_token_read(token, rnd=rnd)
        except BallotLinkRefused as exc:
            reason = exc.reason
        else:
            if request.user.is_authenticated and request.user.pk != user_id:
                reason = "other_member"
            else:
                return _ballot_page(request, rnd, user_id=user_id, via_link=True)
    status = {FORGED: 400, OTHER_ROUND: 400, EXPIRED: 410}.get(reason, 403)
    response = render(
        request,
        "support/voting/link_refused.html",
        {"reason": reason, "round": rnd},
        status=status,
    )
    response["Referrer-Policy"] = "same-origin"
    return response


@require_GET
def results_page(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round_or_404(slug)
    if rnd.status != Round.Status.PUBLISHED:
        return render(request, "support/voting/results_pending.html", {"round": rnd}, status=404)
    if not selectors.member_may_see_results(rnd=rnd, user=request.user):
        return render(request, "support/voting/results_members.html", {"round": rnd}, status=403)
    return render(request, "support/voting/results.html", results_context(rnd))


def results_context(rnd: Round) -> dict[str, Any]:
    result = rnd.result
    return {
        "round": rnd,
        "result": result,
        "chart": presenting.chart_bars(result),
        "runoff": presenting.runoff_table(result) if result.method == Round.Method.RANKED else None,
        "tie_rule": presenting.tie_rule_text(result),
        "weight_formula": presenting.result_weight_formula(result),
        "turnout_percent": 100 * result.turnout,
    }


@login_required
@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round_or_404(slug)
    form = SuggestionForm(posted_data(request))
    similar: list[Topic] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        title = form.cleaned_data["title"]
        similar = list(similar_topics(rnd=rnd, text=title))
        if similar and not form.cleaned_data["confirmed"]:
            # Show what exists before the member adds a near-copy; "Suggest it anyway"
            # posts the same form again, confirmed.
            form = SuggestionForm(
                {**request.POST.dict(), "confirmed": "True"},
            )
            form.is_valid()
        else:
            try:
                topic_suggest(
                    rnd=rnd, user=request.user, title=title, summary=form.cleaned_data["summary"]
                )
            except TopicRefused as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                messages.success(
                    request,
                    _("Thank you. Editors read each suggestion before it goes on the ballot."),
                )
                return redirect("support:suggest", slug=rnd.slug)
    elif request.method == "POST":
        status = 400
    eligibility = selectors.eligibility_of(rnd=rnd, user=request.user)
    context = {
        "round": rnd,
        "form": form,
        "similar": similar,
        "mine": selectors.suggestions_of(user=request.user, rnd=rnd),
        "left": suggestions_left(rnd=rnd, user_id=request.user.pk),
        "may_suggest": bool(eligibility and eligibility.eligible)
        and (rnd.status == Round.Status.SCHEDULED or rnd.is_open),
        "refusal": refusal_message(eligibility, rnd)
        if eligibility and not eligibility.eligible
        else "",
    }
    return render(request, "support/voting/suggest.html", context, status=status)


@login_required
@require_POST
def back_topic(request: HttpRequest, slug: str, topic_id: int) -> HttpResponse:
    rnd = _round_or_404(slug)
    topic = get_object_or_404(Topic, pk=topic_id, round=rnd)
    try:
        topic_back(topic=topic, user=request.user)
    except TopicRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("You back “%(topic)s”.") % {"topic": topic.title})
    return redirect("support:suggest", slug=rnd.slug)


@require_GET
def covered(request: HttpRequest) -> HttpResponse:
    return render(request, "support/voting/covered.html", {"topics": selectors.covered_topics()})
