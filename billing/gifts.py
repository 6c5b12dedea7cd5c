"""Gift memberships: a reader buys 1, 3 or 12 months of a tier for someone's email and a
delivery date; on that date the recipient is emailed a link to claim it; claiming creates or
links the account of that address and starts a gift membership (billing.grants) for the
months bought; a week before it runs out, the recipient is invited to continue as a patron.

The purchase is a one-time Checkout payment: the giver gets the usual receipt, and the gift is
found from the payment by its reference in the payment's metadata, so the webhook and the
success page record it exactly once (`gift_paid`, keyed by the payment).
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.mail.kinds import MailKind, register
from members.mail.services import email_enqueue
from members.models import OutboundEmail, User, normalize_email
from members.services import user_get_or_create_for_email

from . import gateway
from .checkout import DEDUPE_WINDOW_SECONDS, REFERENCE_NAMESPACE, CheckoutRefused
from .customers import customer_for_user
from .grants import grant_start
from .models import CheckoutSession, Gift, Membership, Payment, Tier, TierPrice
from .money import format_amount

log = logging.getLogger(__name__)

CLAIM_SALT = "billing.gift-claim"
# A gift can wait in an inbox for a while; a year is long enough to find it.
CLAIM_MAX_AGE = timedelta(days=365)
ENDING_NOTICE = timedelta(days=7)
LATEST_DELIVERY = timedelta(days=366)


class GiftClaimInvalid(Exception):
    """A forged, damaged or expired claim link, or a gift not delivered yet."""


def gift_price(*, tier: Tier, months: int, currency: str) -> int:
    """1 or 3 months at the monthly price; 12 months at the annual one (its saving too)."""
    interval = "year" if months == 12 else "month"
    price = TierPrice.objects.filter(tier=tier, currency=currency, interval=interval).first()
    if price is None or not price.in_sync:
        raise CheckoutRefused(
            _("%(tier)s cannot be given in this currency.") % {"tier": tier.name}, field="tier"
        )
    return price.amount if months == 12 else price.amount * months


def gift_checkout_start(
    *,
    user: User | None,
    tier: Tier,
    months: int,
    currency: str,
    recipient_email: str,
    recipient_name: str = "",
    giver_name: str = "",
    message: str = "",
    deliver_on: date,
    anonymous_key: str = "",
) -> CheckoutSession:
    """Record the gift (waiting for payment) and start its Checkout Session. The same gift
    again within a few minutes (a double click) gets the same session back."""
    if months not in Gift.MONTHS:
        raise CheckoutRefused(_("Choose 1, 3 or 12 months."), field="months")
    today = timezone.localdate()
    if not today <= deliver_on <= today + LATEST_DELIVERY:
        raise CheckoutRefused(
            _("Choose a delivery date from today to a year from now."), field="deliver_on"
        )
    amount = gift_price(tier=tier, months=months, currency=currency)
    recipient = normalize_email(recipient_email)
    who = f"user-{user.pk}" if user else f"anon-{anonymous_key or uuid.uuid4().hex}"
    bucket = int(time.time()) // DEDUPE_WINDOW_SECONDS
    raw = "|".join([who, tier.slug, str(months), currency, recipient, str(deliver_on), str(bucket)])
    key = "gift-checkout-" + hashlib.sha256(raw.encode()).hexdigest()[:40]
    reference = uuid.uuid5(REFERENCE_NAMESPACE, key)
    # As for memberships (billing.checkout): an open session is the same checkout; a finished
    # one means a second gift, so the key moves on past it.
    while existing := CheckoutSession.objects.filter(reference=reference).first():
        if existing.status == CheckoutSession.Status.OPEN:
            return existing
        key = (
            "gift-checkout-"
            + hashlib.sha256(f"{key}|{existing.stripe_session_id}".encode()).hexdigest()[:40]
        )
        reference = uuid.uuid5(REFERENCE_NAMESPACE, key)
    gift, _created = Gift.objects.get_or_create(
        reference=reference,
        defaults={
            "buyer": user,
            "tier": tier,
            "months": months,
            "amount": amount,
            "currency": currency,
            "recipient_email": recipient,
            "recipient_name": recipient_name[:100],
            "giver_name": giver_name[:100],
            "message": message[:300],
            "deliver_on": deliver_on,
        },
    )
    what = _("Gift membership: %(tier)s for %(months)s months, for %(email)s") % {
        "tier": tier.name,
        "months": months,
        "email": recipient,
    }
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": amount,
                    "product": tier.stripe_product_id,
                },
                "quantity": 1,
            }
        ],
        "client_reference_id": str(gift.reference),
        "metadata": {"gift": str(gift.reference)},
        "payment_intent_data": {
            "metadata": {"kind": "one_time", "gift": str(gift.reference)},
            "description": what[:500],
        },
        "success_url": settings.SITE_URL
        + reverse("billing:thanks")
        + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": settings.SITE_URL + reverse("billing:gift") + "?checkout=canceled",
    }
    if user is not None:
        params["customer"] = customer_for_user(user=user)
    else:
        params["customer_creation"] = "always"
    session = gateway.checkout_session_create(params=params, idempotency_key=key)
    try:
        with transaction.atomic():
            row, _created = CheckoutSession.objects.get_or_create(
                stripe_session_id=session["id"],
                defaults={
                    "reference": reference,
                    "user": user,
                    "email": user.email if user else "",
                    "tier": tier,
                    "mode": CheckoutSession.Mode.PAYMENT,
                    "currency": currency,
                    "amount": amount,
                    "url": session["url"],
                },
            )
    except IntegrityError:  # a concurrent double click recorded it first
        row = CheckoutSession.objects.get(stripe_session_id=session["id"])
    return row


def gift_paid(*, reference: str, payment: Payment) -> Gift | None:
    """The payment for a gift arrived: the gift is paid and waits for its delivery date.
    Idempotent; called in the transaction that records the payment."""
    gift = Gift.objects.select_for_update().filter(reference=reference).first()
    if gift is None:
        log.warning("payment %s names an unknown gift %s", payment.pk, reference)
        return None
    if gift.status == Gift.Status.OPEN:
        gift.status = Gift.Status.PAID
        gift.payment = payment
        gift.buyer = gift.buyer or payment.user
        gift.save(update_fields=["status", "payment", "buyer"])
        if gift.deliver_on <= timezone.localdate():
            _deliver(gift)
    return gift


def claim_token(gift: Gift) -> str:
    return signing.dumps({"g": str(gift.reference)}, salt=CLAIM_SALT, compress=True)


def claim_url(gift: Gift) -> str:
    return settings.SITE_URL + reverse("billing:gift_claim", kwargs={"token": claim_token(gift)})


def gift_for_claim(*, token: str) -> Gift:
    """The delivered (or claimed) gift a claim link is for. Raises GiftClaimInvalid."""
    try:
        data = signing.loads(token, salt=CLAIM_SALT, max_age=CLAIM_MAX_AGE)
        reference = str(data["g"])
    except (signing.BadSignature, KeyError, TypeError) as exc:
        raise GiftClaimInvalid(str(exc)) from exc
    gift = Gift.objects.select_related("tier", "membership").filter(reference=reference).first()
    if gift is None or gift.status not in (Gift.Status.DELIVERED, Gift.Status.CLAIMED):
        raise GiftClaimInvalid("no delivered gift")
    return gift


def gift_claim(*, token: str) -> Gift:
    """Claim a gift: the account of the recipient's address (created if there is none) gets a
    gift membership for the months bought, from now. Idempotent: a second claim of the same
    gift changes nothing."""
    gift = gift_for_claim(token=token)
    with transaction.atomic():
        gift = Gift.objects.select_for_update().get(pk=gift.pk)
        if gift.status == Gift.Status.CLAIMED:
            return gift
        recipient, _created = user_get_or_create_for_email(
            email=gift.recipient_email, display_name=gift.recipient_name
        )
        now = timezone.now()
        gift.membership = grant_start(
            user=recipient,
            tier=gift.tier,
            kind=Membership.Kind.GIFT,
            until=now + relativedelta(months=gift.months),
            note=f"Gift from {gift.giver_name or 'a reader'}",
        )
        gift.status = Gift.Status.CLAIMED
        gift.claimed_at = now
        gift.save(update_fields=["membership", "status", "claimed_at"])
    return gift


def _deliver(gift: Gift) -> None:
    email_enqueue(
        key=f"gift_delivery:{gift.pk}",
        kind="gift_delivery",
        to=gift.recipient_email,
        context={"gift_id": gift.pk},
    )
    gift.status = Gift.Status.DELIVERED
    gift.delivered_at = timezone.now()
    gift.save(update_fields=["status", "delivered_at"])


def gifts_deliver(*, today: date | None = None) -> int:
    """Email every paid gift whose delivery date has come, once. Returns how many."""
    today = today or timezone.localdate()
    delivered = 0
    for pk in Gift.objects.filter(status=Gift.Status.PAID, deliver_on__lte=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            gift = Gift.objects.select_for_update().get(pk=pk)
            if gift.status == Gift.Status.PAID:
                _deliver(gift)
                delivered += 1
    return delivered


def gifts_remind_ending(*, now: datetime | None = None) -> int:
    """Invite each recipient whose gift ends within a week to continue as a patron, once; not
    those who already pay. Returns how many invitations were queued."""
    now = now or timezone.now()
    ending = (
        Membership.objects.filter(kind=Membership.Kind.GIFT)
        .not_ended()
        .filter(cancel_at__lte=now + ENDING_NOTICE, cancel_at__gt=now)
        .select_related("user")
    )
    queued = 0
    for membership in ending:
        key = f"gift_ending:{membership.pk}"
        if OutboundEmail.objects.filter(key=key).exists():
            continue
        if Membership.objects.filter(user=membership.user).blocking_checkout().exists():
            continue  # they pay already
        email_enqueue(
            key=key,
            kind="gift_ending",
            to=membership.user.email,
            user=membership.user,
            context={"membership_id": membership.pk},
        )
        queued += 1
    return queued


def _gift_context(data: dict[str, Any]) -> dict[str, Any]:
    gift = Gift.objects.select_related("tier").get(pk=data["gift_id"])
    return {
        "gift": gift,
        "claim_url": claim_url(gift),
        "giver": gift.giver_name or _("A reader"),
        "value_text": format_amount(gift.amount, gift.currency),
    }


def _ending_context(data: dict[str, Any]) -> dict[str, Any]:
    membership = Membership.objects.select_related("tier").get(pk=data["membership_id"])
    return {
        "membership": membership,
        "tier_name": membership.tier.name if membership.tier else _("Supporter"),
        "support_url": settings.SITE_URL + reverse("billing:support"),
    }


def register_kinds() -> None:
    # The delivery carries the claim link, which acts for the recipient: stored hidden.
    register(
        MailKind(name="gift_delivery", template_dir="billing/emails/gift_delivery",
                 build_context=_gift_context, secret=True)
    )  # fmt: skip
    register(
        MailKind(name="gift_ending", template_dir="billing/emails/gift_ending",
                 build_context=_ending_context)
    )  # fmt: skip
