"""``/v1/coupons`` and ``/v1/promotion_codes``; redeeming them is :mod:`fakestripe.discounts`."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.errors import StripeError, invalid
from fakestripe.events import emit_updated
from fakestripe.objects.discounts import build_coupon, build_promotion_code, random_code
from fakestripe.params import (
    Bool,
    Currency,
    Field,
    Hash,
    Int,
    Metadata,
    Str,
    apply_metadata,
    endpoint,
    list_endpoint,
)
from fakestripe.tracking import touch, wanted

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("coupons", __name__)


class Percent(Field):
    """A decimal number above 0 and at most 100 (``percent_off``)."""

    def clean(self, value: Any, path: str) -> float:
        text = value.strip() if isinstance(value, str) else ""
        if not re.fullmatch(r"\d{1,3}(\.\d{1,12})?", text):
            raise invalid(f"Invalid decimal: {str(value)[:40]}", param=path)
        number = float(text)
        if not 0 < number <= 100 or math.isnan(number):
            raise invalid("percent_off must be greater than 0 and at most 100.", param=path)
        return number


_CODE = r"[A-Za-z0-9_-]+"

COUPON_CREATE = endpoint(
    {
        "id": Str(max_length=200, pattern=_CODE, pattern_hint="letters, digits, - and _"),
        "percent_off": Percent(),
        "amount_off": Int(minimum=1),
        "currency": Currency(),
        "duration": Str(choices=("forever", "once", "repeating")),
        "duration_in_months": Int(minimum=1, maximum=1200),
        "max_redemptions": Int(minimum=1),
        "redeem_by": Int(minimum=0),
        "name": Str(max_length=40),
        "metadata": Metadata(),
    },
    unsupported=("applies_to", "currency_options"),
)


@api(bp, "/v1/coupons", "POST", COUPON_CREATE)
def create_coupon(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    if ("percent_off" in params) == ("amount_off" in params):
        raise invalid(
            "You must pass exactly one of percent_off or amount_off.", param="percent_off"
        )
    if "amount_off" in params and "currency" not in params:
        raise invalid(
            "You must pass currency when passing amount_off.",
            param="currency",
            code="parameter_missing",
        )
    if "currency" in params and "amount_off" not in params:
        raise invalid("currency goes with amount_off only.", param="currency")
    repeating = params.get("duration", "once") == "repeating"
    if repeating != ("duration_in_months" in params):
        raise invalid(
            "duration_in_months is required with duration=repeating, and only then.",
            param="duration_in_months",
        )
    if params.get("redeem_by") is not None and params["redeem_by"] <= rt.now():
        raise invalid("redeem_by must be in the future.", param="redeem_by")
    if params.get("id") and rt.store.get("coupon", params["id"]) is not None:
        raise invalid(
            f"Coupon already exists: {params['id']}", param="id", code="resource_already_exists"
        )
    coupon = rt.store.insert(build_coupon(rt, params))
    rt.emit("coupon.created", coupon)
    return rt.render(coupon)


@api(bp, "/v1/coupons/<coupon_id>", "GET", endpoint())
def retrieve_coupon(rt: Runtime, params: dict[str, Any], coupon_id: str) -> dict[str, Any]:
    return retrieve(rt, "coupon", coupon_id)


COUPON_UPDATE = endpoint(
    {"name": Str(max_length=40, emptyable=True), "metadata": Metadata()},
    unsupported=("currency_options",),
)


@api(bp, "/v1/coupons/<coupon_id>", "POST", COUPON_UPDATE)
def update_coupon(rt: Runtime, params: dict[str, Any], coupon_id: str) -> dict[str, Any]:
    coupon = rt.store.require("coupon", coupon_id)
    before = rt.render(coupon)
    if "name" in params:
        coupon["name"] = params["name"] or None
    if "metadata" in params:
        coupon["metadata"] = apply_metadata(coupon["metadata"], params["metadata"])
    emit_updated(rt, "coupon.updated", coupon, before)
    return rt.render(coupon)


@api(bp, "/v1/coupons/<coupon_id>", "DELETE", endpoint(expand=False))
def delete_coupon(rt: Runtime, params: dict[str, Any], coupon_id: str) -> dict[str, Any]:
    coupon = rt.store.require("coupon", coupon_id)
    rendered = rt.render(coupon)
    # Discounts already made from it stay (they keep the coupon's terms).
    rt.store.delete("coupon", coupon_id)
    for promo in rt.store.all("promotion_code", lambda p: p["promotion"]["coupon"] == coupon_id):
        promo["active"] = False
    rt.emit("coupon.deleted", rendered)
    return {"id": coupon_id, "object": "coupon", "deleted": True}


@api(bp, "/v1/coupons", "GET", list_endpoint())
def list_coupons(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    return paginate(rt, rt.store.all("coupon"), params, "/v1/coupons")


# --- promotion codes ---------------------------------------------------------------------------

PROMO_CREATE = endpoint(
    {
        "promotion": Hash(
            {"type": Str(choices=("coupon",)), "coupon": Str(max_length=255)},
            required=("type", "coupon"),
        ),
        "code": Str(max_length=500, pattern=r"[A-Za-z0-9]+", pattern_hint="letters and digits"),
        "active": Bool(),
        "customer": Str(max_length=255),
        "expires_at": Int(minimum=0),
        "max_redemptions": Int(minimum=1),
        "metadata": Metadata(),
        "restrictions": Hash(
            {
                "first_time_transaction": Bool(),
                "minimum_amount": Int(minimum=1),
                "minimum_amount_currency": Currency(),
            },
            unsupported=("currency_options",),
        ),
    },
    required=("promotion",),
    unsupported=("customer_account",),
)


def _live_code(rt: Runtime, code: str) -> dict[str, Any] | None:
    found = rt.store.all(
        "promotion_code", lambda p: p["active"] and p["code"].lower() == code.lower()
    )
    return found[0] if found else None


@api(bp, "/v1/promotion_codes", "POST", PROMO_CREATE)
def create_promotion_code(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    touch(params["promotion"], "type")  # `coupon` is the only type there is
    coupon = rt.store.require(
        "coupon", params["promotion"]["coupon"], param="promotion[coupon]", status=400
    )
    if params.get("customer"):
        rt.store.require("customer", params["customer"], param="customer", status=400)
    rules = params.get("restrictions") or {}
    if ("minimum_amount" in rules) != ("minimum_amount_currency" in rules):
        raise invalid(
            "minimum_amount and minimum_amount_currency go together.",
            param="restrictions[minimum_amount_currency]",
        )
    expires = params.get("expires_at")
    if expires is not None and coupon["redeem_by"] is not None and expires > coupon["redeem_by"]:
        raise invalid(
            "The promotion code cannot expire after its coupon's redeem_by date.",
            param="expires_at",
        )
    code = params.get("code") or random_code()
    if params.get("active", True) and _live_code(rt, code) is not None:
        raise invalid(
            f"An active promotion code with the code {code} already exists.", param="code"
        )
    promo = rt.store.insert(build_promotion_code(rt, params, code))
    rt.emit("promotion_code.created", promo)
    return rt.render(promo)


@api(bp, "/v1/promotion_codes/<promo_id>", "GET", endpoint())
def retrieve_promotion_code(rt: Runtime, params: dict[str, Any], promo_id: str) -> dict[str, Any]:
    return retrieve(rt, "promotion_code", promo_id)


PROMO_UPDATE = endpoint(
    {
        "active": Bool(),
        "metadata": Metadata(),
        "restrictions": Hash({}, unsupported=("currency_options",)),
    }
)


@api(bp, "/v1/promotion_codes/<promo_id>", "POST", PROMO_UPDATE)
def update_promotion_code(rt: Runtime, params: dict[str, Any], promo_id: str) -> dict[str, Any]:
    promo = rt.store.require("promotion_code", promo_id)
    params.get("restrictions")  # nothing in it is implemented, so there is nothing to change
    before = rt.render(promo)
    if params.get("active") and not promo["active"]:
        if rt.store.get("coupon", promo["promotion"]["coupon"]) is None:
            raise StripeError(
                "The coupon of this promotion code was deleted.", param="active", status=400
            )
        if _live_code(rt, promo["code"]) is not None:
            raise invalid(f"Another active promotion code uses {promo['code']}.", param="active")
    if "active" in params:
        promo["active"] = params["active"]
    if "metadata" in params:
        promo["metadata"] = apply_metadata(promo["metadata"], params["metadata"])
    emit_updated(rt, "promotion_code.updated", promo, before)
    return rt.render(promo)


PROMO_LIST = list_endpoint(
    {
        "active": Bool(),
        "code": Str(max_length=500),
        "coupon": Str(max_length=255),
        "customer": Str(max_length=255),
    },
    unsupported=("customer_account",),
)


@api(bp, "/v1/promotion_codes", "GET", PROMO_LIST)
def list_promotion_codes(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    f = wanted(params, "active", "code", "coupon", "customer")

    def keep(p: dict[str, Any]) -> bool:
        return (
            ("active" not in f or p["active"] == f["active"])
            and ("code" not in f or p["code"].lower() == f["code"].lower())
            and ("coupon" not in f or p["promotion"]["coupon"] == f["coupon"])
            and ("customer" not in f or p["customer"] == f["customer"])
        )

    return paginate(rt, rt.store.all("promotion_code", keep), params, "/v1/promotion_codes")
