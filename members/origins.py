"""The newsroom's other sites: its articles live in a CMS on another origin.

One place answers "is this an address of one of our articles?" (corrections, checkout
attribution) and "may this origin talk to us?" (the members API's CORS, the token hand-over),
from `NEWSROOM_ARTICLE_ORIGINS` and `NEWSROOM_CMS_ORIGINS`. It lives in members, the bottom
app, because billing and support both ask.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

# Stripe keeps metadata values up to 500 characters; an article address is carried there.
MAX_URL_LENGTH = 500


def origin_of(url: str) -> str:
    """`scheme://host[:port]`, lower-cased, of an absolute http(s) URL; "" otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def _normalised(origins: list[str]) -> set[str]:
    return {origin_of(o) for o in origins if origin_of(o)}


def article_origins() -> set[str]:
    return _normalised(list(settings.NEWSROOM_ARTICLE_ORIGINS))


def cms_origins() -> set[str]:
    return _normalised(list(settings.NEWSROOM_CMS_ORIGINS))


def article_url_clean(url: str) -> str:
    """The article address without its fragment, or "" when it is not one of ours: not
    absolute http(s), longer than Stripe's metadata allows, with user:password in it, or (when
    `NEWSROOM_ARTICLE_ORIGINS` is set) on another site."""
    url = (url or "").strip()
    origin = origin_of(url)
    if not origin or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        return ""
    parts = urlsplit(url)
    if parts.username or parts.password:
        return ""
    allowed = article_origins()
    if allowed and origin not in allowed:
        return ""
    return urlunsplit(parts._replace(fragment=""))


def is_cms_origin(origin: str) -> bool:
    """An `Origin` header (or a URL's origin) that belongs to the newsroom's CMS."""
    normal = origin_of(origin)
    return bool(normal) and normal in cms_origins()
