"""The editors' queue: every request, the patrons' marked, and the decision form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from support.models import CorrectionRequest

from .forms import ResolveForm
from .selectors import correction_counts, correction_queue
from .services import CorrectionRefused, correction_resolve, correction_review

PAGE_SIZE = 50


@login_required
@permission_required("support.view_correctionrequest", raise_exception=True)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in CorrectionRequest.Status.values:
        status = ""
    page = Paginator(correction_queue(status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = correction_counts()
    return render(
        request,
        "support/staff/corrections_queue.html",
        {
            "page": page,
            "status": status,
            "open_count": sum(counts[s] for s in CorrectionRequest.OPEN),
            "statuses": [(v, label, counts[v]) for v, label in CorrectionRequest.Status.choices],
        },
    )


def _detail(request: HttpRequest, row: CorrectionRequest, form: ResolveForm, status: int = 200):
    return render(
        request, "support/staff/correction_detail.html", {"c": row, "form": form}, status=status
    )


@login_required
@permission_required("support.view_correctionrequest", raise_exception=True)
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(CorrectionRequest, pk=pk)
    if request.method == "GET":
        return _detail(request, row, ResolveForm())
    if not request.user.has_perm("support.change_correctionrequest"):
        return HttpResponse(status=403)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _detail(request, row, form, status=400)
    try:
        correction_resolve(
            correction_id=row.pk,
            editor=request.user,  # type: ignore[arg-type]
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            reason=form.cleaned_data["reason"],
        )
    except CorrectionRefused as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        row.refresh_from_db()
        return _detail(request, row, form, status=400)
    messages.success(request, _("Decided. The reader is told if they left an address."))
    return redirect("support:staff_corrections")


@login_required
@permission_required("support.change_correctionrequest", raise_exception=True)
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(CorrectionRequest, pk=pk)
    try:
        correction_review(correction_id=row.pk, editor=request.user)  # type: ignore[arg-type]
    except CorrectionRefused as exc:
        messages.error(request, str(exc))
    return redirect("support:staff_correction", pk=row.pk)
