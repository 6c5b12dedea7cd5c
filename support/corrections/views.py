"""Public pages: the report form (from any article), the thank-you page with the reference,
and the corrections log."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from members.origins import article_url_clean
from support.models import CorrectionRequest

from .forms import CorrectionForm
from .selectors import corrections_published
from .services import correction_submit
from .spam import correction_throttle

LOG_PAGE_SIZE = 30
SESSION_SENT = "corrections_sent"


@require_http_methods(["GET", "POST"])
def correction_new(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    if request.method == "GET":
        initial = {
            "article_url": request.GET.get("url", "")[:500],
            "article_title": request.GET.get("title", "")[:300],
            "email": user.email if user else "",  # type: ignore[union-attr]
        }
        form = CorrectionForm(initial=initial)
        # An article address that came from the article itself needs no second look.
        known = bool(article_url_clean(initial["article_url"]))
        return _form_page(request, form, known_article=known)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    throttled = correction_throttle(request)
    if throttled is not None:
        response = _form_page(request, form, status=429, throttled=throttled)
        response["Retry-After"] = str(throttled.retry_after)
        return response
    data = form.cleaned_data
    row = correction_submit(
        article_url=data["article_url"],
        article_title=data["article_title"],
        problem=data["problem"],
        evidence=data["evidence"],
        name=data["name"],
        email=data["email"],
        language=get_language() or "en",
        user=user,  # type: ignore[arg-type]
    )
    # Only the browser that sent it sees the thank-you page with the article named.
    request.session[SESSION_SENT] = [*request.session.get(SESSION_SENT, []), row.reference][-20:]
    return redirect("support:correction_sent", reference=row.reference)


def _form_page(
    request: HttpRequest,
    form: CorrectionForm,
    *,
    status: int = 200,
    known_article: bool = False,
    throttled: object = None,
) -> HttpResponse:
    article_errors = bool(form.errors.get("article_url") or form.errors.get("article_title"))
    if form.is_bound and not article_errors:
        known_article = bool(article_url_clean(form.data.get("article_url", "")))
    return render(
        request,
        "support/corrections/form.html",
        {"form": form, "known_article": known_article, "throttled": throttled},
        status=status,
    )


@require_GET
def correction_sent(request: HttpRequest, reference: str) -> HttpResponse:
    if reference not in request.session.get(SESSION_SENT, []):
        return redirect("support:corrections_log")
    row = get_object_or_404(CorrectionRequest, reference=reference)
    return render(request, "support/corrections/sent.html", {"correction": row})


@require_GET
def corrections_log(request: HttpRequest) -> HttpResponse:
    article = article_url_clean(request.GET.get("article", ""))
    page = Paginator(corrections_published(article_url=article), LOG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "support/corrections/log.html", {"page": page, "article": article})
