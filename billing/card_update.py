"""Signed links that open the card update for one membership, without logging in.

Each failed-payment email carries one. The token names the subscription and is signed
(HMAC with SECRET_KEY, salted for this purpose) and timestamped: it works for
`CARD_LINK_MAX_AGE`, long enough for Stripe's retries, and a forged, damaged or expired one is
refused, as is one whose membership is no longer waiting for a payment (paid up, or
ended). It only ever opens Stripe's card form for that membership's Customer; it signs
nobody in. Because the link acts for the member, the email is stored hidden in production
(members/mail/hidden.py), like a sign-in code.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Membership

SALT = "billing.card-update"
CARD_LINK_MAX_AGE = timedelta(days=14)
# A payment is owed: the only time the link is needed.
LAPSED_STATUSES = ("past_due", "unpaid", "incomplete")


class CardLinkInvalid(Exception):
    """The link is forged, damaged, expired, or its membership is gone."""


def card_update_token(*, subscription_id: str) -> str:
    return signing.dumps({"s": subscription_id}, salt=SALT, compress=True)


def card_update_url(*, subscription_id: str) -> str:
    path = reverse("billing:card_update", kwargs={"token": card_update_token(
        subscription_id=subscription_id)})  # fmt: skip
    return f"{settings.SITE_URL}{path}"


def card_update_membership(*, token: str) -> Membership:
    """The membership a card-update link is for. Raises CardLinkInvalid."""
    try:
        data = signing.loads(token, salt=SALT, max_age=CARD_LINK_MAX_AGE)
        subscription_id = str(data["s"])
    except (signing.BadSignature, KeyError, TypeError) as exc:
        raise CardLinkInvalid(str(exc)) from exc
    membership = (
        Membership.objects.filter(stripe_subscription_id=subscription_id)
        .select_related("tier", "user")
        .first()
    )
    if membership is None or membership.status not in LAPSED_STATUSES:
        raise CardLinkInvalid("no membership waiting for a payment")
    return membership
