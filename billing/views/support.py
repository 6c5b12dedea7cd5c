"""The public "Support us" page and the checkout it starts."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import gateway
from billing.checkout import CheckoutRefused, checkout_start
from billing.forms import CheckoutForm
from billing.selectors import membership_blocking_checkout_for, tier_offers
from billing.throttle import checkout_throttle
from members.origins import article_url_clean

from .page_cache import support_page_for_anyone

log = logging.getLogger(__name__)

SESSION_CHECKOUTS = "billing_checkouts"


def _selection(request: HttpRequest) -> tuple[str, str]:
    currencies = {code for code, _label in settings.BILLING_CURRENCIES}
    currency = request.GET.get("currency") or request.POST.get("currency") or ""
    if currency not in currencies:
        currency = settings.BILLING_DEFAULT_CURRENCY
    interval = request.GET.get("interval") or request.POST.get("interval") or "month"
    if interval not in ("month", "year"):
        interval = "month"
    return currency, interval


def _render(
    request: HttpRequest, *, form: CheckoutForm | None = None, status: int = 200
) -> HttpResponse:
    currency, interval = _selection(request)
    membership = None
    if request.user.is_authenticated:
        membership = membership_blocking_checkout_for(user=request.user)
    context = {
        "offers": tier_offers(currency=currency, interval=interval),
        "currency": currency,
        "interval": interval,
        "currencies": settings.BILLING_CURRENCIES,
        "membership": membership,
        "form": form,
        "failed_tier": form.data.get("tier") if form is not None else None,
        "failed_interval": form.data.get("interval") if form is not None else None,
        "one_time_minimum": settings.BILLING_ONE_TIME_MINIMUM,
        # From the widget on an article: the tier the reader picked there, and the article.
        "chosen_tier": request.GET.get("tier", ""),
        "source_url": article_url_clean(
            request.GET.get("source_url") or request.POST.get("source_url") or ""
        ),
    }
    return render(request, "billing/support.html", context, status=status)


@require_GET
def support_page(request: HttpRequest) -> HttpResponse:
    if request.GET.get("checkout") == "canceled":
        messages.info(request, _("You left the payment page. Nothing was charged."))
    return support_page_for_anyone(request, _render)


@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        return _render(request, form=form, status=400)
    if not request.session.session_key:
        request.session.save()
    throttled = checkout_throttle(request, session_key=request.session.session_key or "")
    if throttled is not None:
        response = render(
            request, "billing/checkout_throttled.html", {"throttled": throttled}, status=429
        )
        response["Retry-After"] = str(throttled.retry_after)
        return response
    user = request.user if request.user.is_authenticated else None
    try:
        session = checkout_start(
            user=user,  # type: ignore[arg-type]
            choice=form.choice(),
            anonymous_key=request.session.session_key or "",
            source_url=form.cleaned_data["source_url"],
        )
    except CheckoutRefused as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return _render(request, form=form, status=400)
    except (gateway.GatewayError, gateway.GatewayUnavailable):
        log.exception("checkout could not start")
        form.add_error(
            None, _("Our payment provider did not answer. Nothing was charged; please try again.")
        )
        return _render(request, form=form, status=503)
    # The success page shows details only to the browser that started the session.
    started = request.session.get(SESSION_CHECKOUTS, [])
    request.session[SESSION_CHECKOUTS] = [*started, session.stripe_session_id][-10:]
    return HttpResponseRedirect(session.url, status=303)
