"""Finance staff: what the nightly reconciliation with Stripe found and repaired."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from billing.models import ReconciliationRun
from billing.selectors import stripe_commands_needing_attention

RUNS_SHOWN = 30


@login_required
@permission_required("billing.view_reconciliation", raise_exception=True)
@require_GET
def reconciliation_runs(request: HttpRequest) -> HttpResponse:
    runs = ReconciliationRun.objects.all()[:RUNS_SHOWN]
    return render(
        request,
        "billing/staff/reconciliation.html",
        {"runs": runs, "commands": stripe_commands_needing_attention()},
    )
