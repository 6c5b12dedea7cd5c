"""Billing portal sessions and webhook endpoints."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from fakestripe.fixtures import blank
from fakestripe.ids import new_id

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

PORTAL_CONFIGURATION = "bpc_1FakeStripeDefaultPortal0"


def build_portal_session(
    rt: Runtime, *, customer: str, return_url: str | None, locale: str | None
) -> tuple[dict[str, Any], str]:
    token = secrets.token_urlsafe(24)
    session = blank("billing_portal.session")
    session.update(
        id=new_id("bps"),
        configuration=PORTAL_CONFIGURATION,
        created=rt.now(),
        customer=customer,
        livemode=False,
        locale=locale,
        return_url=return_url,
        url=f"{rt.base_url}/p/session/{token}",
    )
    return session, token


def build_webhook_endpoint(
    rt: Runtime,
    *,
    url: str,
    enabled_events: list[str],
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    api_version: str | None = None,
    endpoint_id: str | None = None,
) -> dict[str, Any]:
    endpoint = blank("webhook_endpoint")
    endpoint.update(
        id=endpoint_id or new_id("we"),
        api_version=api_version,
        created=rt.now(),
        description=description,
        enabled_events=enabled_events,
        metadata=metadata or {},
        status="enabled",
        url=url,
    )
    return endpoint
