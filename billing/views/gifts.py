"""Giving a membership (the form and its checkout) and claiming one (the recipient's link)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billing import gateway
from billing.checkout import CheckoutRefused
from billing.forms import GiftForm
from billing.gifts import GiftClaimInvalid, gift_checkout_start, gift_claim, gift_for_claim
from billing.throttle import checkout_throttle

from .support import SESSION_CHECKOUTS

log = logging.getLogger(__name__)


@require_http_methods(["GET", "POST"])
def gift(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        if request.GET.get("checkout") == "canceled":
            messages.info(request, _("You left the payment page. Nothing was charged."))
        form = GiftForm(
            initial={
                "deliver_on": timezone.localdate(),
                "currency": settings.BILLING_DEFAULT_CURRENCY,
                "months": 3,
            }
        )
        return render(request, "billing/gift.html", {"form": form})
    form = GiftForm(request.POST)
    if not form.is_valid():
        return render(request, "billing/gift.html", {"form": form}, status=400)
    if not request.session.session_key:
        request.session.save()
    throttled = checkout_throttle(request, session_key=request.session.session_key or "")
    if throttled is not None:
        response = render(
            request, "billing/checkout_throttled.html", {"throttled": throttled}, status=429
        )
        response["Retry-After"] = str(throttled.retry_after)
        return response
    data = form.cleaned_data
    try:
        session = gift_checkout_start(
            user=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]
            tier=data["tier"],
            months=data["months"],
            currency=data["currency"],
            recipient_email=data["recipient_email"],
            recipient_name=data["recipient_name"],
            giver_name=data["giver_name"],
            message=data["message"],
            deliver_on=data["deliver_on"],
            anonymous_key=request.session.session_key or "",
        )
    except CheckoutRefused as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return render(request, "billing/gift.html", {"form": form}, status=400)
    except (gateway.GatewayError, gateway.GatewayUnavailable):
        log.exception("gift checkout could not start")
        form.add_error(
            None, _("Our payment provider did not answer. Nothing was charged; please try again.")
        )
        return render(request, "billing/gift.html", {"form": form}, status=503)
    started = request.session.get(SESSION_CHECKOUTS, [])
    request.session[SESSION_CHECKOUTS] = [*started, session.stripe_session_id][-10:]
    return HttpResponseRedirect(session.url, status=303)


@require_http_methods(["GET", "POST"])
def gift_claim_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the gift and a button; the POST (with CSRF) claims it, so a mail scanner that
    follows the link claims nothing."""
    try:
        gift = gift_for_claim(token=token)
        if request.method == "POST":
            gift = gift_claim(token=token)
    except GiftClaimInvalid:
        return render(request, "billing/gift_claim_invalid.html", status=400)
    mine = (
        request.user.is_authenticated
        and gift.membership is not None
        and (request.user.pk == gift.membership.user_id)
    )
    if request.method == "POST" and mine:
        messages.success(request, _("Your gift membership has started."))
        return redirect("billing:my_support")
    return render(request, "billing/gift_claim.html", {"gift": gift})
