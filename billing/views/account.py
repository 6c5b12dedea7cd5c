"""My support: the member's membership, payments and receipts, and the way to change them."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import gateway
from billing.customers import customer_for_portal
from billing.models import BillingCustomer, Payment
from billing.receipt_pdf import receipt_pdf
from billing.selectors import (
    membership_current_for,
    memberships_for,
    payments_for,
    statement_for,
    statement_years_for,
)
from billing.selectors.self_service import actions_for, scheduled_change_for
from billing.statement_pdf import statement_pdf

log = logging.getLogger(__name__)


@login_required
@require_GET
def my_support(request: HttpRequest) -> HttpResponse:
    user = request.user
    membership = membership_current_for(user=user)  # type: ignore[arg-type]
    context = {
        "membership": membership,
        # What the member may do with it here (billing.views.manage), and a change set for
        # the renewal.
        "actions": actions_for(membership=membership) if membership else None,
        "scheduled": scheduled_change_for(membership=membership) if membership else None,
        "memberships": memberships_for(user=user),  # type: ignore[arg-type]
        "payments": payments_for(user=user),  # type: ignore[arg-type]
        "has_customer": BillingCustomer.objects.filter(user=user).exists(),
        "statement_years": statement_years_for(user=user),  # type: ignore[arg-type]
    }
    return render(request, "billing/my_support.html", context)


@login_required
@require_POST
def manage_in_portal(request: HttpRequest) -> HttpResponse:
    """Open Stripe's billing portal for the member: card, plan, cancellation."""
    customer_id = customer_for_portal(user=request.user)  # type: ignore[arg-type]
    if customer_id is None:
        messages.info(request, _("You have no payment details with us yet."))
        return redirect("billing:my_support")
    try:
        portal = gateway.portal_session_create(
            customer_id=customer_id,
            return_url=settings.SITE_URL + reverse("billing:my_support"),
        )
    except (gateway.GatewayError, gateway.GatewayUnavailable):
        log.exception("portal session failed")
        messages.error(request, _("Our payment provider did not answer. Please try again."))
        return redirect("billing:my_support")
    return HttpResponseRedirect(portal["url"], status=303)


@login_required
@require_GET
def receipt_download(request: HttpRequest, pk: int) -> HttpResponse:
    payment = get_object_or_404(Payment.objects.select_related("membership__tier", "user"), pk=pk)
    if payment.user_id != request.user.pk:
        raise Http404
    response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{payment.pk}.pdf"'
    return response


@login_required
@require_GET
def statement_download(request: HttpRequest, year: int) -> HttpResponse:
    """The member's own giving statement for a calendar year (404 for a year without any
    payment: there is nothing to state)."""
    statement = statement_for(user=request.user, year=year)  # type: ignore[arg-type]
    if not statement.lines:
        raise Http404
    response = HttpResponse(statement_pdf(statement), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="giving-statement-{year}.pdf"'
    return response
