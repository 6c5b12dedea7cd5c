"""Staff outbox: the last emails the site decided to send, and what each one said."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from members.models import OutboundEmail

PAGE_SIZE = 100


@login_required
@permission_required("members.view_outboundemail", raise_exception=True)
def outbox_list(request: HttpRequest) -> HttpResponse:
    emails = OutboundEmail.objects.select_related("user").order_by("-created_at", "-id")
    kind = request.GET.get("kind", "")
    if kind:
        emails = emails.filter(kind=kind)
    return render(
        request,
        "members/staff/outbox_list.html",
        {"emails": emails[:PAGE_SIZE], "kind": kind},
    )


@login_required
@permission_required("members.view_outboundemail", raise_exception=True)
def outbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    email = get_object_or_404(OutboundEmail, pk=pk)
    return render(request, "members/staff/outbox_detail.html", {"email": email})
