"""A subscription's ``discounts`` parameter (create and update) and
``DELETE /v1/subscriptions/<id>/discount``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe import discounts as discounting
from fakestripe.api.base import api
from fakestripe.errors import StripeError, invalid
from fakestripe.events import emit_updated
from fakestripe.fixtures import blank
from fakestripe.params import EMPTY, Array, Hash, Str, endpoint
from fakestripe.subscriptions import Redeemable

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("subscription_discounts", __name__)

MAX_DISCOUNTS = 20


def discounts_field(*, update: bool) -> Array:
    return Array(
        Hash(
            {
                "coupon": Str(max_length=255),
                "promotion_code": Str(max_length=255),
                "discount": Str(max_length=255),
            }
        ),
        max_items=MAX_DISCOUNTS,
        emptyable=update,
    )


def resolve_entries(
    rt: Runtime,
    entries: list[dict[str, Any]],
    *,
    customer: str,
    currency: str,
    sub: dict[str, Any] | None = None,
) -> tuple[list[str], list[Redeemable]]:
    """The discounts a ``discounts`` list keeps (ids already on ``sub``) and redeems anew."""
    keep: list[str] = []
    new: list[Redeemable] = []
    coupons: set[str] = set()
    for index, entry in enumerate(entries):
        path = f"discounts[{index}]"
        if len(entry) != 1:
            raise invalid(
                f"{path} takes exactly one of coupon, promotion_code or discount.", param=path
            )
        if "discount" in entry:
            if sub is None or entry["discount"] not in sub["discounts"]:
                raise invalid(
                    f"No such discount on this subscription: '{entry['discount']}'",
                    param=f"{path}[discount]",
                )
            keep.append(entry["discount"])
            coupon_id = discounting.terms(rt, rt.store.require("discount", entry["discount"]))["id"]
        else:
            coupon, promo = discounting.resolve(
                rt, entry, path=path, customer=customer, currency=currency
            )
            new.append((coupon, promo))
            coupon_id = coupon["id"]
        if coupon_id in coupons:
            raise invalid(f"The coupon {coupon_id} is applied more than once.", param=path)
        coupons.add(coupon_id)
    return keep, new


def set_discounts(rt: Runtime, sub: dict[str, Any], value: Any) -> None:
    """Replace ``sub``'s discounts (``""`` removes them all); the caller sends the
    subscription's update."""
    entries = [] if value is EMPTY else value
    keep, new = resolve_entries(
        rt, entries, customer=sub["customer"], currency=sub["currency"], sub=sub
    )
    for discount_id in [d for d in sub["discounts"] if d not in keep]:
        discounting.remove(rt, sub, discount_id, updated=False)
    for coupon, promo in new:
        discount = discounting.redeem(
            rt, coupon, promo, customer=sub["customer"], subscription=sub["id"]
        )
        discounting.attach(rt, sub, discount)
        rt.emit("customer.discount.created", discount)


@api(bp, "/v1/subscriptions/<sub_id>/discount", "DELETE", endpoint(expand=False))
def delete_discount(rt: Runtime, params: dict[str, Any], sub_id: str) -> dict[str, Any]:
    sub = rt.store.require("subscription", sub_id)
    if not sub["discounts"]:
        raise StripeError(
            f"No active discount for subscription: '{sub_id}'",
            code="resource_missing",
            param="subscription",
            status=404,
        )
    before = rt.render(sub)
    first = rt.store.require("discount", sub["discounts"][0])
    for discount_id in list(sub["discounts"]):
        discounting.remove(rt, sub, discount_id, updated=False)
    emit_updated(rt, "customer.subscription.updated", sub, before)
    deleted = blank("deleted_discount")
    deleted.update({k: v for k, v in first.items() if k in deleted and k != "object"})
    deleted["deleted"] = True
    return deleted
