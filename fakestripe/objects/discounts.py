"""Coupons, promotion codes and discounts (a coupon redeemed on a subscription or a payment).

Since clover a discount names its coupon in ``source.coupon`` (an id, expandable); since basil
customers carry no discount of their own (``customer.discount`` is always null here)."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any

from fakestripe.fixtures import blank
from fakestripe.ids import _rng, new_id
from fakestripe.objects import renderer
from fakestripe.params import new_metadata

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

_CODE_ALPHABET = string.ascii_uppercase + string.digits


def random_code(length: int = 8) -> str:
    return "".join(_rng.choices(_CODE_ALPHABET, k=length))


def build_coupon(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    coupon = blank("coupon")
    coupon.update(
        id=params.get("id") or random_code(),
        amount_off=params.get("amount_off"),
        created=rt.now(),
        currency=params.get("currency") if params.get("amount_off") is not None else None,
        duration=params.get("duration", "once"),
        duration_in_months=params.get("duration_in_months"),
        livemode=False,
        max_redemptions=params.get("max_redemptions"),
        metadata=new_metadata(params.get("metadata")),
        name=params.get("name"),
        percent_off=params.get("percent_off"),
        redeem_by=params.get("redeem_by"),
        times_redeemed=0,
        valid=True,
    )
    return coupon


def coupon_valid(rt: Runtime, coupon: dict[str, Any]) -> bool:
    if coupon["redeem_by"] is not None and coupon["redeem_by"] <= rt.now():
        return False
    return coupon["max_redemptions"] is None or coupon["times_redeemed"] < coupon["max_redemptions"]


@renderer("coupon")
def render_coupon(rt: Runtime, coupon: dict[str, Any]) -> dict[str, Any]:
    coupon["valid"] = coupon_valid(rt, coupon)
    return coupon


def build_promotion_code(rt: Runtime, params: dict[str, Any], code: str) -> dict[str, Any]:
    restrictions = params.get("restrictions") or {}
    promo = blank("promotion_code")
    promo.update(
        id=new_id("promo"),
        active=params.get("active", True),
        code=code,
        created=rt.now(),
        customer=params.get("customer"),
        customer_account=None,
        expires_at=params.get("expires_at"),
        livemode=False,
        max_redemptions=params.get("max_redemptions"),
        metadata=new_metadata(params.get("metadata")),
        promotion={"coupon": params["promotion"]["coupon"], "type": "coupon"},
        restrictions={
            "first_time_transaction": restrictions.get("first_time_transaction", False),
            "minimum_amount": restrictions.get("minimum_amount"),
            "minimum_amount_currency": restrictions.get("minimum_amount_currency"),
        },
        times_redeemed=0,
    )
    return promo


def build_discount(
    rt: Runtime,
    coupon: dict[str, Any],
    *,
    customer: str | None,
    promotion_code: str | None,
    subscription: str | None = None,
    checkout_session: str | None = None,
    end: int | None = None,
) -> dict[str, Any]:
    discount = blank("discount")
    discount.update(
        id=new_id("di"),
        checkout_session=checkout_session,
        customer=customer,
        customer_account=None,
        end=end,
        invoice=None,
        invoice_item=None,
        promotion_code=promotion_code,
        source={"coupon": coupon["id"], "type": "coupon"},
        start=rt.now(),
        subscription=subscription,
        subscription_item=None,
    )
    return discount
