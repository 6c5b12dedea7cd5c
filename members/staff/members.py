"""Staff: find a member, see their profile, preferences and the emails we sent them.

Behind the `members.view_user` permission (roles staff and finance), never `is_staff` alone.
Billing adds membership details through `members.navigation.register_member_detail_section`.
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from members.forms import MemberSearchForm
from members.models import User
from members.selectors import member_emails, member_search

PAGE_SIZE = 50


@login_required
@permission_required("members.view_user", raise_exception=True)
def member_list(request: HttpRequest) -> HttpResponse:
    form = MemberSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(member_search(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "members/staff/member_list.html", {"form": form, "page": page, "query": query}
    )


@login_required
@permission_required("members.view_user", raise_exception=True)
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk)
    return render(
        request,
        "members/staff/member_detail.html",
        {"member": member, "emails": member_emails(user=member, limit=50)},
    )
