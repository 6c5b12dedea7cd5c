"""The members API's endpoints, the token hand-over to the CMS, and the member's list of
connected sites.

- `GET /api/v1/me` with `Authorization: Bearer <token>`: the reader and every registered
  section (billing's `patron`). JSON, `Cache-Control: no-store`. Errors as RFC 6750 says:
  401 with `WWW-Authenticate: Bearer` (and `error="invalid_token"` for a bad one).
- CORS: a browser on one of `NEWSROOM_CMS_ORIGINS` may call it (preflight included); any
  other origin gets no CORS headers, so its browser withholds the answer. No cookies are
  read: the token is the only authority, so there is nothing for CSRF to protect here.
- `GET /api/v1/openapi.json`: the OpenAPI document.
- `GET/POST /api/connect/?return_to=…&state=…`: a signed-in reader confirms, gets a token
  and goes back to the CMS with it in the URL fragment (which never reaches a server log).
- `/account/connections/`: the member's live tokens, each revocable, or all at once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members.origins import is_cms_origin, origin_of

from . import openapi
from .registry import sections
from .tokens import (
    TokenRefused,
    api_token_authenticate,
    api_token_issue,
    api_token_revoke,
    api_tokens_live_for,
    api_tokens_revoke_all,
)

CORS_MAX_AGE = 600


def _cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    origin = request.headers.get("Origin", "")
    response["Vary"] = "Origin"
    if origin and is_cms_origin(origin):
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Headers"] = "Authorization"
        response["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        response["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
    return response


def _error(
    request: HttpRequest, status: int, error: str, description: str, *, challenge: bool = True
) -> HttpResponse:
    body: dict[str, Any] = {"error": error, "error_description": description}
    response = JsonResponse(body, status=status)
    header = 'Bearer realm="members"'
    if challenge:  # RFC 6750 3.1: no error code when the request carried no token at all
        header += f', error="{error}", error_description="{description}"'
    response["WWW-Authenticate"] = header
    response["Cache-Control"] = "no-store"
    return _cors(request, response)


@require_http_methods(["GET", "OPTIONS"])
def me(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        if not is_cms_origin(request.headers.get("Origin", "")):
            return HttpResponse(status=403)
        return _cors(request, HttpResponse(status=204))
    scheme, _space, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return _error(
            request,
            401,
            "invalid_request",
            "Send the reader's token as a Bearer token.",
            challenge=False,
        )
    try:
        token = api_token_authenticate(raw=raw.strip())
    except TokenRefused as exc:
        return _error(request, 401, "invalid_token", str(exc))
    user = token.user
    body: dict[str, Any] = {"member": {"id": user.pk, "language": user.preferred_language}}
    for section in sections():
        body[section.name] = section.describe(user)
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    return _cors(request, response)


@require_GET
def openapi_document(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(openapi.document(), json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"  # a public description, no data
    return response


def _return_to(request: HttpRequest) -> str:
    """The CMS page to go back to, if it is on a CMS origin; "" otherwise."""
    url = (request.GET.get("return_to") or request.POST.get("return_to") or "").strip()
    if len(url) > 2000 or not is_cms_origin(url):
        return ""
    return urlunsplit(urlsplit(url)._replace(fragment=""))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def connect(request: HttpRequest) -> HttpResponse:
    return_to = _return_to(request)
    state = (request.GET.get("state") or request.POST.get("state") or "")[:200]
    if not return_to:
        return render(request, "members/api/connect_invalid.html", status=400)
    origin = origin_of(return_to)
    if request.method == "GET":
        context = {"origin": origin, "return_to": return_to, "state": state}
        return render(request, "members/api/connect.html", context)
    if not request.session.session_key:
        request.session.save()
    issued = api_token_issue(
        user=request.user,  # type: ignore[arg-type]
        origin=origin,
        session_key=request.session.session_key or "",
    )
    seconds = settings.MEMBERS_API_TOKEN_DAYS * 86400
    fragment = urlencode(
        {
            "patronage_token": issued.raw,
            "expires_in": seconds,
            **({"state": state} if state else {}),
        }
    )
    return HttpResponseRedirect(f"{return_to}#{fragment}", status=303)


@login_required
@require_GET
def connections(request: HttpRequest) -> HttpResponse:
    tokens = api_tokens_live_for(user=request.user)  # type: ignore[arg-type]
    return render(request, "members/api/connections.html", {"tokens": tokens})


@login_required
@require_POST
def connection_revoke(request: HttpRequest) -> HttpResponse:
    if request.POST.get("all"):
        api_tokens_revoke_all(user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Every site is signed out."))
    elif (token_id := request.POST.get("token", "")).isdigit():
        api_token_revoke(token_id=int(token_id), user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("That site is signed out."))
    return redirect("members:connections")
