"""Becoming a patron through Stripe Checkout: start a session, fulfil it when paid.

`checkout_fulfil` is the one path from a completed session to a membership and a receipt; the
webhook (`checkout.session.completed`) and the success page both call it, and it is
idempotent, so whichever comes first does the work and the other finds it done.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import User
from members.origins import article_url_clean

from . import gateway
from .customers import customer_for_user, customer_resolve
from .models import CheckoutSession, Membership, Tier, TierPrice
from .stripe_values import object_id

ONE_TIME = "once"
# A double click, or a reload of the support page's POST, within this window gets the same
# Checkout Session back (Stripe replays the first answer to the same idempotency key).
DEDUPE_WINDOW_SECONDS = 300
REFERENCE_NAMESPACE = uuid.UUID("5b0f2c55-8d53-4b8e-9a55-5f5b7b1d0c11")


class CheckoutRefused(Exception):
    """The reader's choice cannot be checked out; the message is for the reader."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Choice:
    tier: Tier | None  # None for a one-time contribution not tied to a tier
    currency: str
    interval: str  # "month", "year" or ONE_TIME
    amount: int | None = None  # minor units when the reader chose the amount

    @property
    def recurring(self) -> bool:
        return self.interval != ONE_TIME


def _price_for(choice: Choice) -> tuple[TierPrice | None, int]:
    """The catalog price to use, or None with the custom amount, after checking the rules."""
    if choice.currency not in {c for c, _label in settings.BILLING_CURRENCIES}:
        raise CheckoutRefused(_("Choose a currency we accept."), field="currency")
    if not choice.recurring:
        amount = choice.amount or 0
        if amount < settings.BILLING_ONE_TIME_MINIMUM:
            raise CheckoutRefused(
                _("The smallest one-time contribution is %(min)s.")
                % {"min": _money(settings.BILLING_ONE_TIME_MINIMUM, choice.currency)},
                field="amount",
            )
        return None, amount
    tier = choice.tier
    if tier is None or not tier.is_active:
        raise CheckoutRefused(_("Choose one of the tiers on this page."), field="tier")
    if choice.amount is not None:
        if not tier.allow_custom_amount:
            raise CheckoutRefused(_("This tier has a fixed price."), field="amount")
        if choice.amount < tier.custom_minimum:
            raise CheckoutRefused(
                _("The smallest amount for %(tier)s is %(min)s.")
                % {"tier": tier.name, "min": _money(tier.custom_minimum, choice.currency)},
                field="amount",
            )
        if not tier.stripe_product_id:
            raise CheckoutRefused(_("This tier is not available yet."), field="tier")
        return None, choice.amount
    price = TierPrice.objects.filter(
        tier=tier, currency=choice.currency, interval=choice.interval
    ).first()
    if price is None or not price.in_sync:
        raise CheckoutRefused(
            _("%(tier)s is not offered in this currency and interval.") % {"tier": tier.name},
            field="tier",
        )
    return price, price.amount


def _money(amount: int, currency: str) -> str:
    from .money import format_amount

    return format_amount(amount, currency)


def _idempotency_key(*, who: str, choice: Choice, amount: int) -> str:
    bucket = int(time.time()) // DEDUPE_WINDOW_SECONDS
    raw = "|".join(
        [who, str(choice.tier.pk if choice.tier else "-"), choice.currency, choice.interval,
         str(amount), str(bucket)]
    )  # fmt: skip
    return "checkout-" + hashlib.sha256(raw.encode()).hexdigest()[:48]


def checkout_start(
    *, user: User | None, choice: Choice, anonymous_key: str = "", source_url: str = ""
) -> CheckoutSession:
    """Create (or, for a repeat within a few minutes, reuse) a Checkout Session.

    A signed-in member pays as their Stripe Customer; an anonymous reader gives their email
    on Stripe's page and the webhook creates or links their account. A member whose
    membership blocks a new checkout (in good standing) cannot start a second one here (they
    manage the one they have); a lapsed member (payment overdue, unpaid) may pay again.
    `anonymous_key` (the browser session key) tells two anonymous readers apart.
    `source_url`, the article that brought the reader, goes into the metadata and onto our
    row when it is one of the newsroom's article addresses (`members.origins`); anything
    else is dropped, never a reason to refuse a payment.
    """
    source_url = article_url_clean(source_url)
    price, amount = _price_for(choice)
    if (
        user is not None
        and choice.recurring
        and Membership.objects.filter(user=user).blocking_checkout().exists()
    ):
        raise CheckoutRefused(
            _("You already support us. Change your membership on “My support”."), field="tier"
        )
    who = f"user-{user.pk}" if user else f"anon-{anonymous_key or uuid.uuid4().hex}"
    key = _idempotency_key(who=who, choice=choice, amount=amount)
    reference = uuid.uuid5(REFERENCE_NAMESPACE, key)
    # The same choice again within the window: an open session is the same checkout (a
    # double click); a finished one (paid, or expired) means a new purchase, so the key moves
    # on past it, or Stripe would replay the finished session.
    while existing := CheckoutSession.objects.filter(reference=reference).first():
        if existing.status == CheckoutSession.Status.OPEN:
            return existing
        key = (
            "checkout-"
            + hashlib.sha256(f"{key}|{existing.stripe_session_id}".encode()).hexdigest()[:48]
        )
        reference = uuid.uuid5(REFERENCE_NAMESPACE, key)
    params = _session_params(
        user=user, choice=choice, price=price, amount=amount, source_url=source_url
    )
    params["client_reference_id"] = str(reference)
    params["metadata"]["reference"] = str(reference)
    session = gateway.checkout_session_create(params=params, idempotency_key=key)
    try:
        with transaction.atomic():
            row, _created = CheckoutSession.objects.get_or_create(
                stripe_session_id=session["id"],
                defaults={
                    "reference": reference,
                    "user": user,
                    "email": user.email if user else "",
                    "tier": choice.tier,
                    "mode": session["mode"],
                    "currency": choice.currency,
                    "interval": choice.interval if choice.recurring else "",
                    "amount": amount,
                    "url": session["url"],
                    "source_url": source_url,
                },
            )
    except IntegrityError:
        row = CheckoutSession.objects.get(stripe_session_id=session["id"])
    return row


def _session_params(
    *,
    user: User | None,
    choice: Choice,
    price: TierPrice | None,
    amount: int,
    source_url: str = "",
) -> dict[str, Any]:
    site = settings.SITE_URL
    # Stripe reads an empty metadata value as "unset this key", so absent keys are left out.
    metadata: dict[str, str] = {}
    if choice.tier is not None:
        metadata["tier"] = choice.tier.slug
    if user is not None:
        metadata["user_id"] = str(user.pk)
    if source_url:
        metadata["source_url"] = source_url
    if price is not None:
        line: dict[str, Any] = {"price": price.stripe_price_id, "quantity": 1}
    else:
        price_data: dict[str, Any] = {"currency": choice.currency, "unit_amount": amount}
        if choice.tier is not None and choice.tier.stripe_product_id:
            price_data["product"] = choice.tier.stripe_product_id
        else:
            price_data["product_data"] = {
                "name": _("Contribution to %(name)s") % {"name": settings.NEWSROOM["NAME"]}
            }
        if choice.recurring:
            price_data["recurring"] = {"interval": choice.interval}
        line = {"price_data": price_data, "quantity": 1}
    params: dict[str, Any] = {
        "mode": "subscription" if choice.recurring else "payment",
        "line_items": [line],
        "metadata": metadata,
        "success_url": site + reverse("billing:thanks") + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": site + reverse("billing:support") + "?checkout=canceled",
    }
    if choice.recurring:
        params["subscription_data"] = {"metadata": metadata}
    else:
        params["payment_intent_data"] = {
            "metadata": {**metadata, "kind": "one_time"},
            "description": _("One-time contribution to %(name)s")
            % {"name": settings.NEWSROOM["NAME"]},
        }
    if user is not None:
        params["customer"] = customer_for_user(user=user)
    elif not choice.recurring:
        # Subscriptions always get a Customer; one-time payments only when asked.
        params["customer_creation"] = "always"
    return params


def checkout_fulfil(*, session_id: str) -> CheckoutSession | None:
    """Turn a completed, paid Checkout Session into a membership or payment, once.

    Refetches the session from Stripe, so a forged or unpaid session id grants nothing.
    Idempotent and safe to run concurrently with the webhook: the work below is keyed by
    Stripe ids and each piece is itself idempotent. Returns our record of the session.
    """
    from .memberships import membership_sync
    from .payments import payment_record_from_invoice, payment_record_one_time

    session = gateway.checkout_session_retrieve(session_id=session_id)
    row = CheckoutSession.objects.filter(stripe_session_id=session_id).first()
    paid = session.get("payment_status") in ("paid", "no_payment_required")
    if session.get("status") == "expired" and row and row.status == CheckoutSession.Status.OPEN:
        CheckoutSession.objects.filter(pk=row.pk).update(status=CheckoutSession.Status.EXPIRED)
    if session.get("status") != "complete" or not paid:
        return row
    customer_id = object_id(session.get("customer"))
    details = session.get("customer_details") or {}
    user = None
    if customer_id:
        user = customer_resolve(customer_id=customer_id, email_hint=details.get("email") or "")
    if session.get("mode") == "subscription" and session.get("subscription"):
        membership_sync(subscription_id=object_id(session["subscription"]))
        if session.get("invoice"):
            payment_record_from_invoice(invoice_id=object_id(session["invoice"]))
    elif session.get("mode") == "payment" and session.get("payment_intent"):
        payment_record_one_time(payment_intent_id=object_id(session["payment_intent"]))
    if row is not None:
        # Two conditional UPDATEs, each atomic by itself: no lock needed (and none taken after
        # the subscription's, see billing.locks).
        CheckoutSession.objects.filter(pk=row.pk).exclude(
            status=CheckoutSession.Status.COMPLETE
        ).update(status=CheckoutSession.Status.COMPLETE, completed_at=timezone.now())
        if user is not None:
            CheckoutSession.objects.filter(pk=row.pk, user__isnull=True).update(user=user)
        row.refresh_from_db()
    return row


def checkout_expire(*, session_id: str) -> None:
    CheckoutSession.objects.filter(
        stripe_session_id=session_id, status=CheckoutSession.Status.OPEN
    ).update(status=CheckoutSession.Status.EXPIRED)
