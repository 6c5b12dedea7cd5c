"""My support, self-service: change, cancel, pause and resume one's own membership, and open
the card form. Each view checks the form, calls one service (billing.self_service) and says
what happened. Only the membership's own member reaches any of them (404 for anyone else's,
and for a comp or a gift, which have nothing to change at Stripe)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.models import Membership
from billing.money import format_amount, format_price
from billing.selectors.self_service import actions_for, membership_of_member, scheduled_change_for
from billing.self_service.cancelling import membership_cancel_at_period_end, membership_cancel_undo
from billing.self_service.card import membership_card_update_url
from billing.self_service.changes import (
    NOW,
    PreviewExpired,
    membership_change_confirm,
    membership_change_preview,
    membership_change_undo,
)
from billing.self_service.common import SelfServiceRefused
from billing.self_service.forms import CancelForm, ChangeForm, PauseForm
from billing.self_service.pausing import membership_pause, membership_unpause
from billing.self_service.plans import change_plan

log = logging.getLogger(__name__)


def _membership(request: HttpRequest, membership_id: int) -> Membership:
    membership = membership_of_member(user=request.user, membership_id=membership_id)  # type: ignore[arg-type]
    if membership is None:
        raise Http404
    return membership


def _date(value: object) -> str:
    return formats.date_format(timezone.localtime(value), "j F Y")  # type: ignore[arg-type]


def _back(request: HttpRequest, refused: SelfServiceRefused) -> HttpResponse:
    messages.error(request, str(refused))
    return redirect("billing:my_support")


def _page(
    request: HttpRequest, template: str, membership: Membership, status: int = 200, **extra: object
) -> HttpResponse:
    context = {"membership": membership, "actions": actions_for(membership=membership), **extra}
    return render(request, f"billing/manage/{template}", context, status=status)


# --- Change ------------------------------------------------------------------------------


@login_required
@require_GET
def change(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    if not actions_for(membership=membership).change:
        return _back(request, SelfServiceRefused(_("Your support cannot be changed just now.")))
    # Back from the review ("change my choice"): the choice as it was, else the current one.
    initial = {k: request.GET[k] for k in ("tier", "interval", "amount") if request.GET.get(k)}
    return _change_form(request, membership, ChangeForm(membership=membership, initial=initial))


def _change_form(
    request: HttpRequest, membership: Membership, form: ChangeForm, status: int = 200
) -> HttpResponse:
    scheduled = scheduled_change_for(membership=membership)
    return _page(request, "change.html", membership, status, form=form, scheduled=scheduled)


@login_required
@require_GET
def change_review(request: HttpRequest, membership_id: int) -> HttpResponse:
    """The member's choice (the change form is sent with GET, so this page can be reloaded
    and bookmarked; it changes nothing) and what confirming it would do."""
    membership = _membership(request, membership_id)
    if not actions_for(membership=membership).change:
        return _back(request, SelfServiceRefused(_("Your support cannot be changed just now.")))
    form = ChangeForm(request.GET, membership=membership)
    if not form.is_valid():
        return _change_form(request, membership, form, status=400)
    data = form.cleaned_data
    try:
        plan = change_plan(
            membership=membership,
            tier=data["tier"],
            interval=data["interval"],
            amount=data.get("amount"),
        )
        preview = membership_change_preview(membership=membership, plan=plan)
    except SelfServiceRefused as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return _change_form(request, membership, form, status=400)
    choice = {
        "tier": plan.tier.slug,
        "interval": plan.interval,
        "amount": request.GET.get("amount", "").strip(),
    }
    return _page(
        request,
        "change_review.html",
        membership,
        preview=preview,
        plan=plan,
        now=preview.when == NOW,
        choice=choice,
        change_query=urlencode({k: v for k, v in choice.items() if v}),
    )


@login_required
@require_POST
def change_confirm(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    try:
        result = membership_change_confirm(
            membership=membership, token=request.POST.get("token", "")
        )
    except PreviewExpired as exc:
        # The same choice again, previewed afresh (the fields are only for this redirect;
        # what is confirmed is the signed token).
        messages.info(request, str(exc))
        query = {k: request.POST.get(k, "") for k in ("tier", "interval", "amount")}
        url = reverse("billing:change_review", args=[membership.pk])
        return redirect(f"{url}?{urlencode({k: v for k, v in query.items() if v})}")
    except SelfServiceRefused as exc:
        return _back(request, exc)
    plan = result.plan
    price = format_price(plan.amount, plan.currency, plan.interval)
    if result.when == NOW:
        if result.charged:
            text = _("You now support us as %(tier)s, %(price)s. We charged %(amount)s.")
        else:
            text = _("You now support us as %(tier)s, %(price)s.")
        messages.success(
            request,
            text
            % {
                "tier": plan.tier.name,
                "price": price,
                "amount": format_amount(result.charged, plan.currency),
            },
        )
    else:
        messages.success(
            request,
            _("From %(date)s you will support us as %(tier)s, %(price)s. Nothing changes before.")
            % {"date": _date(result.starts_at), "tier": plan.tier.name, "price": price},
        )
    return redirect("billing:my_support")


@login_required
@require_POST
def change_undo(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    try:
        membership = membership_change_undo(membership=membership)
    except SelfServiceRefused as exc:
        return _back(request, exc)
    messages.success(
        request,
        _("Your support stays as it is: %(price)s.")
        % {"price": format_price(membership.amount, membership.currency, membership.interval)},
    )
    return redirect("billing:my_support")


# --- Cancel and keep --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    if not actions_for(membership=membership).cancel:
        return _back(request, SelfServiceRefused(_("Your support is already set to end.")))
    form = CancelForm(request.POST if request.method == "POST" else None)
    scheduled = scheduled_change_for(membership=membership)
    if request.method == "GET" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return _page(request, "cancel.html", membership, status, form=form, scheduled=scheduled)
    try:
        membership = membership_cancel_at_period_end(
            membership=membership,
            feedback=form.cleaned_data["feedback"],
            comment=form.cleaned_data["comment"],
        )
    except SelfServiceRefused as exc:
        return _back(request, exc)
    messages.success(
        request,
        _(
            "Your support ends on %(date)s; nothing more will be charged. Until then "
            "everything stays as it is, and you can keep your support at any time before."
        )
        % {"date": _date(membership.current_period_end)},
    )
    return redirect("billing:my_support")


@login_required
@require_POST
def keep(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    try:
        membership = membership_cancel_undo(membership=membership)
    except SelfServiceRefused as exc:
        return _back(request, exc)
    messages.success(
        request,
        _("Thank you for staying. Your support renews on %(date)s as before.")
        % {"date": _date(membership.current_period_end)},
    )
    return redirect("billing:my_support")


# --- Pause and resume -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pause(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    if not actions_for(membership=membership).pause:
        return _back(request, SelfServiceRefused(_("Your payments cannot be paused just now.")))
    form = PauseForm(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return _page(request, "pause.html", membership, status, form=form)
    try:
        membership = membership_pause(membership=membership, months=form.cleaned_data["months"])
    except SelfServiceRefused as exc:
        return _back(request, exc)
    messages.success(
        request,
        _("Your payments are paused until %(date)s. Then they start again by themselves.")
        % {"date": _date(membership.pause_resumes_at)},
    )
    return redirect("billing:my_support")


@login_required
@require_POST
def unpause(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    try:
        membership = membership_unpause(membership=membership)
    except SelfServiceRefused as exc:
        return _back(request, exc)
    messages.success(request, _("Welcome back. Your support and your benefits are on again."))
    return redirect("billing:my_support")


# --- Card --------------------------------------------------------------------------------


@login_required
@require_POST
def card(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    back = settings.SITE_URL + reverse("billing:my_support")
    try:
        url = membership_card_update_url(membership=membership, return_url=back)
    except SelfServiceRefused as exc:
        log.warning("card update for membership %s refused: %s", membership.pk, exc)
        return _back(request, exc)
    return HttpResponseRedirect(url, status=303)
