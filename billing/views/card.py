"""The card update a failed-payment email links to: no login, a signed link (billing.card_update).

GET shows which membership the card is for and a button; only the POST (with CSRF) opens
Stripe's card form, so a mail scanner that follows links opens nothing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from billing import gateway
from billing.card_update import CardLinkInvalid, card_update_membership

log = logging.getLogger(__name__)


@require_http_methods(["GET", "POST"])
def card_update(request: HttpRequest, token: str) -> HttpResponse:
    try:
        membership = card_update_membership(token=token)
    except CardLinkInvalid:
        return render(request, "billing/card_update_invalid.html", status=400)
    if request.method == "GET":
        return render(request, "billing/card_update.html", {"membership": membership})
    done = settings.SITE_URL + reverse("billing:card_update_done")
    try:
        # The card form only (not the whole portal: the link is not a login), then back here.
        portal = gateway.portal_session_create(
            customer_id=membership.stripe_customer_id,
            return_url=done,
            flow={
                "type": "payment_method_update",
                "after_completion": {"type": "redirect", "redirect": {"return_url": done}},
            },
        )
    except (gateway.GatewayError, gateway.GatewayUnavailable):
        log.exception("card update: portal session failed")
        return render(
            request,
            "billing/card_update.html",
            {"membership": membership, "unavailable": True},
            status=503,
        )
    return HttpResponseRedirect(portal["url"], status=303)


@require_GET
def card_update_done(request: HttpRequest) -> HttpResponse:
    return render(request, "billing/card_update_done.html")
