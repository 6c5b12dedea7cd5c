"""What the self-service actions share: the refusal they raise, reading the subscription, and
letting go of a scheduled change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from billing import gateway
from billing.locks import lock_subscription
from billing.memberships import membership_sync
from billing.models import Membership
from billing.selectors.self_service import Actions, actions_for

# Stripe's card errors: the member's card said no; nothing was charged or changed.
CARD_ERROR_CODES = frozenset(
    {"card_declined", "expired_card", "incorrect_cvc", "processing_error", "incorrect_number",
     "authentication_required", "insufficient_funds"}
)  # fmt: skip


class SelfServiceRefused(Exception):
    """The action cannot be done (now); the message is for the member, `field` names the form
    field it is about (empty: the whole form)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@contextmanager
def acting_on(membership: Membership) -> Iterator[Membership]:
    """Hold the subscription's lock while acting on it at Stripe and copying it back: two
    submissions of one form (a double click) run one after the other, and the second sees
    what the first did. The membership is read again under the lock."""
    assert membership.stripe_subscription_id
    with transaction.atomic():
        lock_subscription(membership.stripe_subscription_id)
        membership.refresh_from_db()
        yield membership


def require(membership: Membership, allowed: str) -> Actions:
    """Refuse unless the membership's state allows the action `allowed` (an `Actions` field).
    The page offers only what is allowed; this catches a stale page or a hand-made POST."""
    actions = actions_for(membership=membership)
    if not getattr(actions, allowed):
        raise SelfServiceRefused(
            _("Your membership has changed since this page was shown. Please look again.")
        )
    return actions


def subscription_of(membership: Membership) -> dict[str, Any]:
    assert membership.stripe_subscription_id  # membership_of_member: subscriptions only
    return gateway.subscription_retrieve(subscription_id=membership.stripe_subscription_id)


def synced(membership: Membership) -> Membership:
    """Copy the subscription back from Stripe now (the page shows the change at once)."""
    assert membership.stripe_subscription_id
    return membership_sync(subscription_id=membership.stripe_subscription_id)


def schedule_release(sub: dict[str, Any]) -> bool:
    """Let go of the subscription's schedule, if it has one (a change set for the renewal):
    the subscription goes on as it is now. Stripe refuses most updates to a subscription a
    schedule manages, so a cancellation or an upgrade lets it go first."""
    schedule_id = sub.get("schedule")
    if isinstance(schedule_id, dict):
        schedule_id = schedule_id.get("id")
    if not schedule_id:
        return False
    gateway.subscription_schedule_release(schedule_id=schedule_id)
    return True


def provider_error(exc: Exception) -> SelfServiceRefused:
    """A refusal for what Stripe answered: a card error in the member's words, anything else
    as "try again"."""
    code = getattr(exc, "code", "")
    if isinstance(exc, gateway.GatewayError) and (
        code in CARD_ERROR_CODES or getattr(exc, "status", 0) == 402
    ):
        return SelfServiceRefused(
            _(
                "Your card was declined, so nothing was charged and your support stays as it "
                "was. Update your card, then try again."
            )
        )
    return SelfServiceRefused(
        _("Our payment provider did not answer. Nothing has changed; please try again.")
    )
