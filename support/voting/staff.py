"""Editors' pages: rounds (create, edit, schedule, extend, publish), topics, the moderation
queue, invitation progress, results, coverage. Behind `support.manage_voting` (the editor
role): readers and other staff get 403. Totals and flags only: no page says who chose what.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..models import Round, Topic
from . import presenting, rounds, selectors, topics
from .forms import ArticleForm, ExtendForm, MergeForm, RejectForm, RoundForm, TopicForm
from .views import posted_data, results_context

PERMISSION = "support.manage_voting"


def editors_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    @login_required
    @permission_required(PERMISSION, raise_exception=True)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, *args, **kwargs)

    return wrapped


@editors_only
@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "support/voting/staff/rounds.html",
        {
            "rounds": selectors.rounds_for_staff(),
            "pending": Topic.objects.filter(status="pending").count(),
        },
    )


@editors_only
@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest) -> HttpResponse:
    form = RoundForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        if Round.objects.filter(slug=form.cleaned_data["slug"]).exists():
            form.add_error("slug", _("Another round has this address."))
        else:
            try:
                rnd = rounds.round_create(fields=form.round_fields())
            except rounds.RoundRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Draft saved. Add topics, then schedule it."))
                return redirect("support:staff_round", pk=rnd.pk)
    return render(
        request,
        "support/voting/staff/round_form.html",
        {"form": form, "round": None},
        status=400 if form.errors else 200,
    )


@editors_only
@require_http_methods(["GET", "POST"])
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = get_object_or_404(Round, pk=pk)
    form = RoundForm(posted_data(request), initial=RoundForm.initial_for(rnd))
    if request.method == "POST" and form.is_valid():
        fields = _same_minute_unchanged(rnd, form.round_fields())
        if Round.objects.filter(slug=fields["slug"]).exclude(pk=rnd.pk).exists():
            form.add_error("slug", _("Another round has this address."))
        else:
            try:
                rounds.round_update(rnd=rnd, fields=fields)
            except rounds.RoundRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Round saved."))
                return redirect("support:staff_round", pk=rnd.pk)
    return render(
        request,
        "support/voting/staff/round_form.html",
        {"form": form, "round": rnd},
        status=400 if form.errors else 200,
    )


def _same_minute_unchanged(rnd: Round, fields: dict[str, Any]) -> dict[str, Any]:
    """The form's times have minutes, the round's may have seconds: a time the editor left
    as it was is the round's own, not a change (which an open round would refuse)."""
    for name in ("opens_at", "closes_at"):
        if abs((fields[name] - getattr(rnd, name)).total_seconds()) < 60:
            fields[name] = getattr(rnd, name)
    return fields


def _round_page(request: HttpRequest, rnd: Round, **forms: Any) -> HttpResponse:
    data = selectors.round_for_staff(rnd=rnd)
    context = {
        "data": data,
        "round": rnd,
        "topic_form": forms.get("topic_form") or TopicForm(),
        "extend_form": forms.get("extend_form") or ExtendForm(),
        "weight_formula": presenting.weight_formula(rnd),
        "reminder_due": rounds.reminder_due_at(rnd),
        "in_progress": any(not progress["done"] for _m, progress in data.mailings),
    }
    status = 400 if any(f.errors for f in forms.values()) else 200
    return render(request, "support/voting/staff/round_detail.html", context, status=status)


@editors_only
@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _round_page(request, get_object_or_404(Round, pk=pk))


@editors_only
@require_POST
def round_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    rnd = get_object_or_404(Round, pk=pk)
    services = {
        "schedule": (rounds.round_schedule, _("Scheduled: the vote opens by itself on time.")),
        "unschedule": (rounds.round_unschedule, _("Back to draft.")),
        "publish": (rounds.round_publish, _("Results published.")),
    }
    if action not in services:
        return HttpResponse(status=404)
    service, done = services[action]
    try:
        service(rnd=rnd)
    except rounds.RoundRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("support:staff_round", pk=rnd.pk)


@editors_only
@require_POST
def round_extend(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = get_object_or_404(Round, pk=pk)
    form = ExtendForm(request.POST)
    if form.is_valid():
        try:
            rounds.round_extend(rnd=rnd, closes_at=form.cleaned_data["closes_at"])
        except rounds.RoundRefused as exc:
            form.add_error("closes_at", str(exc))
        else:
            messages.success(request, _("The vote now closes later."))
            return redirect("support:staff_round", pk=rnd.pk)
    return _round_page(request, rnd, extend_form=form)


@editors_only
@require_POST
def topic_add(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = get_object_or_404(Round, pk=pk)
    form = TopicForm(request.POST)
    if form.is_valid():
        try:
            topics.topic_propose(
                rnd=rnd,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                editor=request.user,
            )
        except topics.TopicRefused as exc:
            form.add_error("title", str(exc))
        else:
            messages.success(request, _("Topic added to the ballot."))
            return redirect("support:staff_round", pk=rnd.pk)
    return _round_page(request, rnd, topic_form=form)


@editors_only
@require_GET
def moderation(request: HttpRequest) -> HttpResponse:
    queue = [
        (
            topic,
            similar,
            MergeForm(targets=targets, prefix=f"m{topic.pk}"),
            RejectForm(prefix=f"r{topic.pk}"),
        )
        for topic, similar, targets in selectors.moderation_queue()
    ]
    return render(request, "support/voting/staff/moderation.html", {"queue": queue})


@editors_only
@require_POST
def moderate(request: HttpRequest, topic_id: int, action: str) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=topic_id)
    try:
        if action == "approve":
            topics.topic_approve(topic=topic, editor=request.user)
            messages.success(request, _("“%(t)s” is on the ballot.") % {"t": topic.title})
        elif action == "reject":
            form = RejectForm(request.POST, prefix=f"r{topic.pk}")
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            topics.topic_reject(topic=topic, editor=request.user, reason=reason)
            messages.success(request, _("“%(t)s” was not taken.") % {"t": topic.title})
        elif action == "merge":
            targets = list(Topic.objects.filter(round=topic.round, status=Topic.Status.APPROVED))
            form = MergeForm(request.POST, targets=targets, prefix=f"m{topic.pk}")
            if not form.is_valid():
                raise topics.TopicRefused(_("Choose the topic to merge into."))
            into = next(t for t in targets if t.pk == form.cleaned_data["into"])
            topics.topic_merge(topic=topic, into=into, editor=request.user)
            messages.success(request, _("Merged into “%(t)s”.") % {"t": into.title})
        else:
            return HttpResponse(status=404)
    except topics.TopicRefused as exc:
        messages.error(request, str(exc))
    return redirect("support:staff_moderation")


@editors_only
@require_http_methods(["GET", "POST"])
def topic_detail(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = get_object_or_404(Topic.objects.select_related("round"), pk=topic_id)
    form = ArticleForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            topics.topic_article_link(
                topic=topic,
                url=form.cleaned_data["url"],
                title=form.cleaned_data["title"],
                editor=request.user,
            )
        except topics.TopicRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Article linked; the topic's voters will get one email about it.")
            )
            return redirect("support:staff_topic", topic_id=topic.pk)
    context = {
        "topic": topic,
        "form": form,
        "articles": topic.articles.all(),
        "voters": topics.voters_of(topic=topic),
        "supporters": topic.supports.count(),
    }
    return render(
        request, "support/voting/staff/topic.html", context, status=400 if form.errors else 200
    )


@editors_only
@require_GET
def round_results(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = get_object_or_404(Round, pk=pk)
    if not rnd.has_results:
        messages.error(request, _("The results are counted when the vote closes."))
        return redirect("support:staff_round", pk=rnd.pk)
    context = {**results_context(rnd), "staff_view": True}
    return render(request, "support/voting/results.html", context)
