"""Cancelling at the end of the period, with the member's reason, and keeping it after all.

The reason goes to Stripe as `cancellation_details` (`feedback`: one of Stripe's values;
`comment`: the member's words); the membership history copies it from Stripe's event onto the
`cancel_scheduled` row, where the reports read it. Nothing is refunded and the member keeps
their benefits to the period's end.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from billing import gateway
from billing.models import Membership

from .common import acting_on, provider_error, require, schedule_release, subscription_of, synced

# Stripe's `cancellation_details.feedback` values, in the words we show the member.
FEEDBACK_CHOICES = [
    ("too_expensive", _("It costs too much")),
    ("unused", _("I do not read enough to make it worth it")),
    ("missing_features", _("Something I want is missing")),
    ("switched_service", _("I support another newsroom instead")),
    ("customer_service", _("I was unhappy with how you dealt with me")),
    ("too_complex", _("It was too complicated")),
    ("low_quality", _("I am unhappy with the journalism")),
    ("other", _("Another reason")),
]
FEEDBACK_VALUES = frozenset(value for value, _label in FEEDBACK_CHOICES)
COMMENT_MAX_LENGTH = 1000


def membership_cancel_at_period_end(
    *, membership: Membership, feedback: str = "", comment: str = ""
) -> Membership:
    """Set the membership to end when the paid period ends, with the member's reason (both
    optional; an empty one clears what an earlier cancellation said). A change set for the
    renewal is dropped first (Stripe's schedule would refuse the cancellation, and there is
    no renewal for it any more). Idempotent: cancelling twice sets the same end."""
    if feedback and feedback not in FEEDBACK_VALUES:
        raise ValueError(f"unknown feedback {feedback!r}")
    with acting_on(membership):
        require(membership, "cancel")
        try:
            sub = subscription_of(membership)
            schedule_release(sub)
            gateway.subscription_update(
                subscription_id=sub["id"],
                params={
                    "cancel_at_period_end": True,
                    "cancellation_details": {
                        "feedback": feedback,
                        "comment": comment.strip()[:COMMENT_MAX_LENGTH],
                    },
                },
            )
        except (gateway.GatewayError, gateway.GatewayUnavailable) as exc:
            raise provider_error(exc) from exc
        return synced(membership)


def membership_cancel_undo(*, membership: Membership) -> Membership:
    """Keep the membership after all: it renews as before. Idempotent."""
    with acting_on(membership):
        require(membership, "keep")
        params: dict[str, object] = (
            {"cancel_at_period_end": False}
            if membership.cancel_at_period_end
            else {"cancel_at": ""}
        )
        try:
            gateway.subscription_update(
                subscription_id=membership.stripe_subscription_id or "", params=params
            )
        except (gateway.GatewayError, gateway.GatewayUnavailable) as exc:
            raise provider_error(exc) from exc
        return synced(membership)
