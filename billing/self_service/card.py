"""The card form of Stripe's billing portal, for a member on "My support"."""

from __future__ import annotations

from billing import gateway
from billing.models import Membership

from .common import provider_error, require


def membership_card_update_url(*, membership: Membership, return_url: str) -> str:
    """A portal session that opens on the card form only (`payment_method_update`) and comes
    back to `return_url`. A new card becomes the subscription's default; Stripe retries an
    overdue invoice with it. Creates nothing of ours."""
    require(membership, "update_card")
    try:
        portal = gateway.portal_session_create(
            customer_id=membership.stripe_customer_id,
            return_url=return_url,
            flow={
                "type": "payment_method_update",
                "after_completion": {"type": "redirect", "redirect": {"return_url": return_url}},
            },
        )
    except (gateway.GatewayError, gateway.GatewayUnavailable) as exc:
        raise provider_error(exc) from exc
    return str(portal["url"])
