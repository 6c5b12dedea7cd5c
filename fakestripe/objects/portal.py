"""Billing portal configurations and sessions."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from fakestripe.fixtures import blank
from fakestripe.ids import new_id

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

DEFAULT_CONFIGURATION = "_portal_default_configuration"


def default_features(rt: Runtime) -> dict[str, Any]:
    """What the portal does without a configuration of one's own: card updates, invoice
    history, cancelling at period end and switching to any active price in the currency (the
    stand-in's long-standing behaviour; Stripe's own default lists the products)."""
    return {
        "customer_update": {"allowed_updates": [], "enabled": False},
        "invoice_history": {"enabled": True},
        "payment_method_update": {"enabled": True, "payment_method_configuration": None},
        "subscription_cancel": {
            "cancellation_reason": {"enabled": False, "options": [], "feedback_options": None},
            "enabled": True,
            "mode": "at_period_end",
            "proration_behavior": "none",
        },
        "subscription_pause": {
            "duration": {"interval_options": [], "type": "indefinite"},
            "enabled": False,
        },
        "subscription_update": {
            "billing_cycle_anchor": "unchanged",
            "default_allowed_updates": ["price"],
            "enabled": True,
            "products": None,
            "proration_behavior": rt.settings.portal_proration_behavior,
            "schedule_at_period_end": {"conditions": []},
            "trial_update_behavior": "end_trial",
        },
    }


def build_configuration(rt: Runtime, *, is_default: bool = False) -> dict[str, Any]:
    now = rt.now()
    configuration = blank("billing_portal.configuration")
    configuration.update(
        id=new_id("bpc"),
        active=True,
        business_profile={
            "headline": None,
            "privacy_policy_url": None,
            "terms_of_service_url": None,
        },
        created=now,
        default_return_url=None,
        features=default_features(rt),
        is_default=is_default,
        livemode=False,
        login_page={"enabled": False, "url": None},
        metadata={},
        name=None,
        updated=now,
    )
    return configuration


def default_configuration(rt: Runtime) -> dict[str, Any]:
    """The account's default configuration, made the first time it is needed."""
    config_id = rt.store.internal.get(DEFAULT_CONFIGURATION)
    configuration = rt.store.get("billing_portal.configuration", config_id)
    if configuration is None:
        configuration = rt.store.insert(build_configuration(rt, is_default=True))
        rt.store.internal[DEFAULT_CONFIGURATION] = configuration["id"]
    return configuration


def build_portal_session(
    rt: Runtime,
    *,
    customer: str,
    configuration: str,
    return_url: str | None,
    locale: str | None,
    flow: dict[str, Any] | None,
) -> tuple[dict[str, Any], str]:
    token = secrets.token_urlsafe(24)
    session = blank("billing_portal.session")
    session.update(
        id=new_id("bps"),
        configuration=configuration,
        created=rt.now(),
        customer=customer,
        flow=flow,
        livemode=False,
        locale=locale,
        return_url=return_url,
        url=f"{rt.base_url}/p/session/{token}",
    )
    return session, token
