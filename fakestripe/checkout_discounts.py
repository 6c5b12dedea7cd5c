"""Discounts in Checkout: ``discounts[0][coupon|promotion_code]`` when the session is made, or a
promotion code the customer enters on the page (``allow_promotion_codes``).

The discount lowers what is due today (``amount_total``, ``total_details.amount_discount``,
each line item's ``amount_discount``); in subscription mode the coupon is redeemed on the new
subscription, so its first invoice (and, per the coupon's duration, later ones) is discounted
the same way; in payment mode it is redeemed on the session's payment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe import discounts as discounting
from fakestripe.errors import invalid
from fakestripe.subscriptions import Redeemable

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

MINIMUM_CHARGE = 50


def check_params(params: dict[str, Any]) -> None:
    if params.get("allow_promotion_codes") and params.get("discounts"):
        raise invalid(
            "You may only specify one of these parameters: allow_promotion_codes, discounts.",
            param="discounts",
            code="parameters_exclusive",
        )
    if params["mode"] == "setup" and ("discounts" in params or "allow_promotion_codes" in params):
        raise invalid("Setup mode sessions take no discounts.", param="discounts")


def _subtotal(rt: Runtime, session: dict[str, Any]) -> int:
    return sum(i["amount_subtotal"] for i in rt.store.private(session["id"])["line_items"])


def start(rt: Runtime, session: dict[str, Any], params: dict[str, Any]) -> None:
    """The new session's ``allow_promotion_codes`` and ``discounts``."""
    session["allow_promotion_codes"] = params.get("allow_promotion_codes")
    entries = params.get("discounts") or []
    if not entries:
        return
    coupon, promo = discounting.resolve(
        rt,
        entries[0],
        path="discounts[0]",
        customer=session["customer"],
        currency=session["currency"],
        amount=_subtotal(rt, session),
    )
    apply(rt, session, coupon, promo, param="discounts[0]")


def apply_code(rt: Runtime, session: dict[str, Any], code: str) -> None:
    """A promotion code typed on the hosted page (or given to the control API's pay)."""
    if not session["allow_promotion_codes"]:
        raise invalid("This checkout does not take promotion codes.", param="promotion_code")
    wanted = code.strip().lower()
    found = rt.store.all("promotion_code", lambda p: p["active"] and p["code"].lower() == wanted)
    if not wanted or not found:
        raise invalid("This code is invalid.", param="promotion_code")
    coupon, promo = discounting.resolve(
        rt,
        {"promotion_code": found[0]["id"]},
        path="promotion_code",
        customer=session["customer"],
        currency=session["currency"],
        amount=_subtotal(rt, session),
    )
    apply(rt, session, coupon, promo, param="promotion_code")


def apply(
    rt: Runtime,
    session: dict[str, Any],
    coupon: dict[str, Any],
    promo: dict[str, Any] | None,
    *,
    param: str,
) -> None:
    private = rt.store.private(session["id"])
    items = private["line_items"]
    trial = (private.get("subscription_data") or {}).get("trial_end")
    offs = [0] * len(items)
    if not trial:
        # With a trial nothing is due today; the subscription's invoices get the discount.
        offs = discounting.allocate(
            [i["amount_subtotal"] for i in items], [coupon], session["currency"]
        )[0]
    total = sum(i["amount_subtotal"] for i in items) - sum(offs)
    if session["mode"] == "payment" and total < MINIMUM_CHARGE:
        if total == 0:
            raise invalid(
                "A payment-mode session with nothing left to pay: the fakestripe stand-in does "
                "not implement it.",
                param=param,
            )
        raise invalid(
            f"The total after the discount must be at least {MINIMUM_CHARGE}.",
            param=param,
            code="amount_too_small",
        )
    for item, off in zip(items, offs, strict=True):
        item.update(amount_discount=off, amount_total=item["amount_subtotal"] - off)
    session["amount_total"] = 0 if trial else total
    session["total_details"]["amount_discount"] = sum(offs)
    promo_id = promo["id"] if promo else None
    session["discounts"] = [{"coupon": coupon["id"], "promotion_code": promo_id}]
    private["discount"] = {"coupon": dict(coupon), "promotion_code": promo_id}
    rt.store.mark_dirty()


def redeemable(rt: Runtime, session: dict[str, Any]) -> list[Redeemable]:
    """At completion: the coupon (as it was, even if deleted since) and promotion code."""
    kept = rt.store.private(session["id"]).get("discount")
    if not kept:
        return []
    coupon = rt.store.get("coupon", kept["coupon"]["id"]) or kept["coupon"]
    return [(coupon, _promo(rt, kept))]


def _promo(rt: Runtime, kept: dict[str, Any]) -> dict[str, Any] | None:
    return rt.store.get("promotion_code", kept["promotion_code"] or "")


def redeem_on_payment(rt: Runtime, session: dict[str, Any]) -> None:
    for coupon, promo in redeemable(rt, session):
        discounting.redeem(
            rt, coupon, promo, customer=session["customer"], checkout_session=session["id"]
        )


def summary(rt: Runtime, session: dict[str, Any]) -> dict[str, Any] | None:
    """What the hosted page shows of the discount."""
    kept = rt.store.private(session["id"]).get("discount")
    if not kept:
        return None
    promo = _promo(rt, kept)
    coupon = kept["coupon"]
    return {
        "label": promo["code"] if promo else (coupon["name"] or coupon["id"]),
        "amount": session["total_details"]["amount_discount"],
    }
