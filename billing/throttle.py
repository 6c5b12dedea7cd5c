"""How many checkouts a browser session and a client address may start.

Every checkout that passes the form is a Stripe call (and, for card testers, a free card
check), so it is counted per session and per address by allauth's rate limiter: the one that
limits logins, keeping its counts in the same Redis cache. The limits are
`settings.BILLING_CHECKOUT_RATE_LIMITS`, in allauth's notation (`20/10m/ip,10/10m/key`, the
key being the session). Client addresses are read as allauth reads them for login
(`ALLAUTH_TRUSTED_PROXY_COUNT` behind a proxy).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.core.internal import ratelimit
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

APP = "billing"
ACTION = "checkout"


@dataclass(frozen=True)
class Throttled:
    retry_after: int  # seconds until every limit that refused has room again
    until: datetime

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def _config() -> dict[str, str]:
    return {ACTION: settings.BILLING_CHECKOUT_RATE_LIMITS}


def _seconds_until_free(request: HttpRequest, *, session_key: str) -> int:
    """When the fullest window frees a slot: its oldest counted attempt ages out."""
    now = time.time()
    waits = []
    for rate in ratelimit.get_rates(app=APP, action=ACTION, config=_config()):
        cache_key = ratelimit.get_cache_key(
            request, app=APP, action=ACTION, rate=rate, key=session_key
        )
        history = cache.get(cache_key, [])  # newest first
        if len(history) >= rate.amount:
            waits.append(history[rate.amount - 1] + rate.duration - now)
        else:
            waits.append(0)
    return max(1, math.ceil(max(waits, default=0)))


def checkout_throttle(request: HttpRequest, *, session_key: str) -> Throttled | None:
    """Count one checkout attempt for this session and address. None if it may go on;
    otherwise when to try again. Nothing is counted for a refused attempt."""
    allowed = ratelimit.consume(request, app=APP, action=ACTION, config=_config(), key=session_key)
    if allowed is not None:
        return None
    wait = _seconds_until_free(request, session_key=session_key)
    return Throttled(retry_after=wait, until=timezone.now() + timedelta(seconds=wait))
