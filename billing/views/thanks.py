"""The page Stripe sends a reader back to after paying."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from billing import gateway
from billing.checkout import checkout_fulfil
from billing.models import CheckoutSession, Membership, Payment

from .support import SESSION_CHECKOUTS

log = logging.getLogger(__name__)


def _owns(request: HttpRequest, row: CheckoutSession) -> bool:
    if row.stripe_session_id in request.session.get(SESSION_CHECKOUTS, []):
        return True
    return bool(request.user.is_authenticated and row.user_id == request.user.pk)


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    """Fulfil from the session if the webhook has not yet, then say thank you.

    A forged or someone else's `session_id` grants nothing: fulfilment refetches the session
    from Stripe (only a paid session does anything, and always for its payer), and details are
    shown only to the browser or member that started the checkout.
    """
    session_id = request.GET.get("session_id", "")[:255]
    row = None
    if session_id:
        row = CheckoutSession.objects.filter(stripe_session_id=session_id).first()
    if row is None or not _owns(request, row):
        return render(request, "billing/thanks.html", {"known": False})
    if row.status != CheckoutSession.Status.COMPLETE:
        try:
            row = checkout_fulfil(session_id=session_id) or row
        except (gateway.GatewayError, gateway.GatewayUnavailable):
            # The webhook will finish the job; the page says we are confirming.
            log.warning("success page could not fulfil %s yet", session_id, exc_info=True)
    membership = payment = None
    if row.status == CheckoutSession.Status.COMPLETE and row.user_id:
        if row.mode == CheckoutSession.Mode.SUBSCRIPTION:
            membership = (
                Membership.objects.filter(user_id=row.user_id).select_related("tier").first()
            )
        else:
            payment = Payment.objects.filter(
                user_id=row.user_id, kind=Payment.Kind.ONE_TIME
            ).first()
    return render(
        request,
        "billing/thanks.html",
        {"known": True, "checkout": row, "membership": membership, "payment": payment},
    )
