"""The "support us" widget that article pages embed: an iframe page and nothing else.

`GET /embed/support/?lang=uk&currency=eur&source_url=<article>` shows the tiers with their
monthly price in the reader's language and currency, each with a link into checkout on our
own page (`/support/?tier=…&source_url=…`, in the top window): a payment never starts inside
a third-party frame, where our cookies and CSRF protection do not reach.

The page is the same for every reader of an article, so it is served without cookies (no
session, no CSRF token, no user: the template reads none of them), cacheable for a few
minutes, and framable only by the newsroom's article sites (`NEWSROOM_ARTICLE_ORIGINS`, CSP
`frame-ancestors`); every other page keeps `X-Frame-Options: DENY`. The loader script
(`static/billing/embed.js`) is written by us, has no dependencies and loads with `async`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from billing.selectors import catalog_fingerprint, tier_offers
from members.origins import article_origins, article_url_clean

# A reader's region, from their browser's languages, when the article does not name one.
CURRENCY_BY_REGION = {"us": "usd", "gb": "gbp", "uk": "gbp"}
CACHE_SECONDS = 300


def reader_currency(request: HttpRequest) -> str:
    """The `currency` asked for, else one the reader's browser region suggests, else ours."""
    accepted = {code for code, _label in settings.BILLING_CURRENCIES}
    asked = (request.GET.get("currency") or "").lower()
    if asked in accepted:
        return asked
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for language, _q in parse_accept_lang_header(header):
        region = language.partition("-")[2].lower()
        if CURRENCY_BY_REGION.get(region) in accepted:
            return CURRENCY_BY_REGION[region]
    return settings.BILLING_DEFAULT_CURRENCY


def frame_policy() -> str:
    """The widget's Content Security Policy: our own styles and script only, links and forms
    to us only, framed only by the article sites (none when none is configured)."""
    ancestors = " ".join(sorted(article_origins())) or "'none'"
    return (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        f"base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    )


# Every article view asks for this page, and it is the same for every reader of an article:
# rendered pages are kept in this process (least recently used go first), under the
# catalog's fingerprint, so a change to any tier or price renders afresh.
MAX_KEPT = 512
_kept: OrderedDict[tuple[str, str, str, str], bytes] = OrderedDict()
_lock = threading.Lock()


def forget_frames() -> None:
    with _lock:
        _kept.clear()


@xframe_options_exempt  # framing is governed by the CSP's frame-ancestors instead
@require_GET
def support_widget(request: HttpRequest) -> HttpResponse:
    language = request.GET.get("lang", "")
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = translation.get_language() or settings.LANGUAGE_CODE
    currency = reader_currency(request)
    source_url = article_url_clean(request.GET.get("source_url", ""))
    key = (catalog_fingerprint(), language, currency, source_url)
    with _lock:
        body = _kept.get(key)
        if body is not None:
            _kept.move_to_end(key)
    if body is None:
        body = _render(request, language=language, currency=currency, source_url=source_url)
        with _lock:
            if _kept and next(iter(_kept))[0] != key[0]:
                _kept.clear()  # the catalog changed: every kept page is stale
            _kept[key] = body
            while len(_kept) > MAX_KEPT:
                _kept.popitem(last=False)
    response = HttpResponse(body)
    response["Content-Security-Policy"] = frame_policy()
    response["Referrer-Policy"] = "strict-origin"
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    patch_vary_headers(response, ("Accept-Language",))
    return response


def _render(request: HttpRequest, *, language: str, currency: str, source_url: str) -> bytes:
    with translation.override(language):
        offers = [o for o in tier_offers(currency=currency, interval="month") if o.price]

        def checkout_link(**extra: str) -> str:
            query = {"currency": currency, **extra}
            if source_url:
                query["source_url"] = source_url
            # Relative to the frame, so on our own origin whatever SITE_URL says.
            return f"{reverse('billing:support')}?{urlencode(query)}"

        links = [
            (o, checkout_link(tier=o.tier.slug, interval="month") + f"#tier-{o.tier.slug}")
            for o in offers
        ]
        currencies = [
            (
                code,
                label,
                "?" + urlencode({"lang": language, "currency": code, "source_url": source_url}),
            )
            for code, label in settings.BILLING_CURRENCIES
        ]
        response = render(
            request,
            "billing/embed_support.html",
            {
                "links": links,
                "currency": currency,
                "currencies": currencies,
                "more_url": checkout_link(),
                "language": language,
            },
        )
    return response.content
