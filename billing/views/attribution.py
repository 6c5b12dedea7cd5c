"""Staff: which stories bring patrons (checkouts started from an article's widget)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing.money import format_amount
from billing.selectors import patrons_by_article

PERIODS = (30, 90, 365)


@login_required
@permission_required("billing.view_checkoutsession", raise_exception=True)
@require_GET
def articles(request: HttpRequest) -> HttpResponse:
    days = request.GET.get("days", "")
    since = None
    if days.isdigit() and int(days) in PERIODS:
        since = timezone.now() - timedelta(days=int(days))
    else:
        days = ""
    rows = [
        (
            item,
            ", ".join(
                format_amount(amount, currency)
                for currency, amount in sorted(item.first_amounts.items())
            ),
        )
        for item in patrons_by_article(since=since)
    ]
    return render(
        request,
        "billing/staff/articles.html",
        {"rows": rows, "days": days, "periods": PERIODS},
    )
