"""Build and sign webhook payloads exactly as Stripe does (`t=<unix>,v1=<hmac>`)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

FIXTURES = Path(__file__).resolve().parents[2] / "fakestripe" / "fixtures3.json"


@cache
def _resources() -> dict[str, Any]:
    return json.loads(FIXTURES.read_text())["resources"]


def fixture(type_: str) -> dict[str, Any]:
    """A deep copy of Stripe's own example object of this type."""
    return copy.deepcopy(_resources()[type_])


def event_for(
    type_: str, obj: dict[str, Any], *, event_id: str | None = None, created: int | None = None
) -> dict[str, Any]:
    event = fixture("event")
    event.update(
        id=event_id or f"evt_test_{uuid.uuid4().hex[:20]}",
        type=type_,
        created=created or int(time.time()),
        api_version="2026-10-28.endive",
        data={"object": obj},
    )
    return event


def sign(body: bytes, *, secret: str | None = None, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    secret = secret or settings.STRIPE_WEBHOOK_SECRET
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def signed(event: dict[str, Any], **kwargs: Any) -> tuple[bytes, str]:
    body = json.dumps(event).encode()
    return body, sign(body, **kwargs)
