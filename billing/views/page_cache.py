"""The Support us page as anonymous readers see it, rendered once per variant and kept.

Every anonymous reader without pending messages gets the same page for the same language,
path and query, except the CSRF token in its forms (a fresh mask of the reader's own secret,
for each request). So the page is kept with a placeholder where the token goes, and each
request gets its own token put in: the bytes a full render would send, for the cost of a
dictionary lookup instead of two ORM queries and a template render (most of the page's time
in bench/ profiles).

The pages are kept in this process's memory under the catalog's fingerprint
(`catalog_fingerprint`, one query over the tier and price rows): a change to any tier or price,
however it was made, changes the fingerprint, and the next request renders afresh. Only
queries made of known currencies and intervals are kept, so the number of variants is bounded;
anything else (a signed-in member, a pending message, other query parameters) is rendered as
before.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

from billing.selectors import catalog_fingerprint

# What `{% csrf_token %}` renders; the token is letters and digits only.
_CSRF_INPUT = re.compile(r'(<input type="hidden" name="csrfmiddlewaretoken" value=")([^"]*)(")')
# A NUL byte is never in rendered HTML, so the placeholder cannot clash with page content.
_PLACEHOLDER = "\x00csrf\x00"
MAX_PAGES = 64
INTERVALS = ("month", "year")

_pages: OrderedDict[tuple[str, str, str], str] = OrderedDict()
_fingerprint = ""
_lock = threading.Lock()


def _variant(request: HttpRequest) -> tuple[str, str] | None:
    """(language, full path) when the page is the same for every anonymous reader."""
    currencies = {code for code, _label in settings.BILLING_CURRENCIES}
    for name, values in request.GET.lists():
        allowed = currencies if name == "currency" else INTERVALS if name == "interval" else ()
        if len(values) != 1 or values[0] not in allowed:
            return None
    if request.user.is_authenticated or len(messages.get_messages(request)):
        return None
    return request.LANGUAGE_CODE, request.get_full_path()  # type: ignore[attr-defined]


def support_page_for_anyone(
    request: HttpRequest, render: Callable[[HttpRequest], HttpResponse]
) -> HttpResponse:
    """The page `render(request)` returns, from the kept copy when there is one."""
    global _fingerprint  # noqa: PLW0603 - the process-wide page store, guarded by _lock
    variant = _variant(request)
    if variant is None:
        return render(request)
    key = (catalog_fingerprint(), *variant)
    with _lock:
        if key[0] != _fingerprint:
            _pages.clear()  # the catalog changed: every kept page is stale
            _fingerprint = key[0]
        page = _pages.get(key)
        if page is not None:
            _pages.move_to_end(key)
    if page is not None:
        return HttpResponse(page.replace(_PLACEHOLDER, get_token(request)))
    response = render(request)
    if response.status_code == 200:
        _keep(key, response.content.decode())
    return response


def _keep(key: tuple[str, str, str], html: str) -> None:
    """Keep the page with a placeholder for its CSRF token, if the token is only in the
    forms' hidden inputs (a token anywhere else would be served to other readers)."""
    tokens = {match[2] for match in _CSRF_INPUT.finditer(html)}
    kept = _CSRF_INPUT.sub(rf"\g<1>{_PLACEHOLDER}\g<3>", html)
    if len(tokens) == 1 and tokens.pop() not in kept:
        with _lock:
            if key[0] == _fingerprint:
                _pages[key] = kept
                while len(_pages) > MAX_PAGES:
                    _pages.popitem(last=False)


def forget_pages() -> None:
    """Drop every kept page (tests start from nothing)."""
    global _fingerprint  # noqa: PLW0603 - see support_page_for_anyone
    with _lock:
        _pages.clear()
        _fingerprint = ""
