"""The member's own pages: profile, email preferences, their data, deleting the account, and
the unsubscribe link from bulk email. Views validate, call one service, render."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from members.forms import DeleteAccountForm, PreferencesForm, ProfileForm
from members.i18n import activate_member_language
from members.models import User
from members.preferences import PREFERENCES
from members.privacy import DELETION_FAILED_MESSAGE, DeletionBlocked, account_delete, account_export
from members.services import preference_unsubscribe, preferences_update, profile_update
from members.unsubscribe import read_token

log = logging.getLogger(__name__)


def _fresh(user: User) -> User:
    # A ModelForm writes its cleaned values into its instance even when invalid; keep that
    # off request.user, which the page header renders.
    return User.objects.get(pk=user.pk)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=_fresh(request.user))
    if request.method == "POST" and form.is_valid():
        user = profile_update(
            user=request.user,
            display_name=form.cleaned_data["display_name"],
            country=form.cleaned_data["country"],
            preferred_language=form.cleaned_data["preferred_language"],
        )
        response = redirect("members:profile")
        activate_member_language(request, response, user)
        messages.success(request, _("Your profile is saved."))
        return response
    return render(request, "members/profile.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=_fresh(request.user))
    if request.method == "POST" and form.is_valid():
        preferences_update(user=request.user, **{n: form.cleaned_data[n] for n in PREFERENCES})
        messages.success(request, _("Your email preferences are saved."))
        return redirect("members:preferences")
    return render(request, "members/preferences.html", {"form": form})


@login_required
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "members/privacy.html")


@login_required
@require_GET
@never_cache
def data_download(request: HttpRequest) -> HttpResponse:
    data = account_export(user=request.user)
    response = JsonResponse(data, encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2})
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            account_delete(user=request.user)
        except DeletionBlocked as exc:
            form.add_error(None, str(exc))
        # A hook may fail in ways we cannot list (Stripe down); the member gets a clear
        # message instead of an error page, and nothing of theirs was changed.
        except Exception:
            log.exception("account deletion of user %s failed", request.user.pk)
            form.add_error(None, DELETION_FAILED_MESSAGE)
        else:
            logout(request)
            return redirect("members:account_deleted")
    return render(request, "members/delete_account.html", {"form": form})


@require_GET
def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "members/account_deleted.html")


# Exempt from CSRF because RFC 8058 one-click unsubscribe is a POST that the mail provider
# sends from its own servers, with the body `List-Unsubscribe=One-Click` and no cookie or CSRF
# token. CSRF protects requests that ride on a logged-in browser's cookies; this view uses no
# session at all: its only authority is the signed token in the URL, which names one member
# and one preference. A forged request without the token can change nothing.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user_id, preference = read_token(token)
    except signing.BadSignature:
        return render(request, "members/unsubscribe_invalid.html", status=400)
    context = {"preference": PREFERENCES[preference], "token": token}
    if request.method == "POST":
        preference_unsubscribe(user_id=user_id, preference=preference)
        return render(request, "members/unsubscribe_done.html", context)
    return render(request, "members/unsubscribe_confirm.html", context)
