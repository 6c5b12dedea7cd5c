"""Telling a reader from a script without a third-party service.

Four checks, each cheap and none needing JavaScript:
- a honeypot field that people never see (hidden by CSS, out of the tab order, labelled
  "leave empty") and form-filling scripts fill;
- a signed timestamp put in the form when it is shown: sent back sooner than
  `CORRECTIONS_MIN_SECONDS` is a script, sent back after a day the page was left open (the
  reader is asked to send again, and their text stays in the form);
- at most `CORRECTIONS_MAX_LINKS` links in what the reader wrote (spam is links);
- allauth's rate limiter (the one that limits logins, counting in Redis), per client
  address: `CORRECTIONS_RATE_LIMITS`.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from allauth.core.internal import ratelimit
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest

SALT = "support.corrections.form-shown"
MAX_FORM_AGE = 24 * 3600
APP = "support"
ACTION = "correction"
LINK = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)


def form_stamp() -> str:
    """The signed moment the form was shown, for its hidden field."""
    return signing.TimestampSigner(salt=SALT).sign(str(int(time.time())))


class StampProblem(Exception):
    """The form came back too fast, too late, or with a stamp we did not make."""


def stamp_check(value: str, *, now: float | None = None) -> None:
    try:
        shown = int(signing.TimestampSigner(salt=SALT).unsign(value, max_age=MAX_FORM_AGE))
    except signing.SignatureExpired:
        raise StampProblem("expired") from None
    except (signing.BadSignature, ValueError):
        raise StampProblem("forged") from None
    age = (now or time.time()) - shown
    if age > MAX_FORM_AGE:
        raise StampProblem("expired")
    if age < settings.CORRECTIONS_MIN_SECONDS:
        raise StampProblem("too_fast")


def link_count(*texts: str) -> int:
    return sum(len(LINK.findall(text or "")) for text in texts)


@dataclass(frozen=True)
class Throttled:
    retry_after: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def _config() -> dict[str, str]:
    return {ACTION: settings.CORRECTIONS_RATE_LIMITS}


def correction_throttle(request: HttpRequest) -> Throttled | None:
    """Count one report from this client address; None if it may go on, else when to try
    again. Nothing is counted for a refused one."""
    if ratelimit.consume(request, app=APP, action=ACTION, config=_config()) is not None:
        return None
    now = time.time()
    waits = [0.0]
    for rate in ratelimit.get_rates(app=APP, action=ACTION, config=_config()):
        key = ratelimit.get_cache_key(request, app=APP, action=ACTION, rate=rate)
        history = cache.get(key, [])  # newest first
        if len(history) >= rate.amount:
            waits.append(history[rate.amount - 1] + rate.duration - now)
    return Throttled(retry_after=max(1, math.ceil(max(waits))))
