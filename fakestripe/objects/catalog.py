"""Products, prices, and the legacy ``plan`` view of a recurring price."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe.fixtures import blank, shape
from fakestripe.ids import new_id
from fakestripe.params import new_metadata

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


def build_product(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    now = rt.now()
    product = blank("product")
    product.update(
        id=params.get("id") or new_id("prod"),
        active=params.get("active", True),
        created=now,
        updated=now,
        description=params.get("description"),
        images=params.get("images") or [],
        marketing_features=[{"name": f["name"]} for f in params.get("marketing_features") or []],
        metadata=new_metadata(params.get("metadata")),
        name=params["name"],
        shippable=params.get("shippable"),
        statement_descriptor=params.get("statement_descriptor"),
        tax_code=params.get("tax_code"),
        unit_label=params.get("unit_label"),
        url=params.get("url"),
        # Products of type `good` are not implemented (refused by the schema).
        type=params.get("type", "service"),
    )
    return product


def build_price(rt: Runtime, params: dict[str, Any], product_id: str) -> dict[str, Any]:
    price = blank("price")
    recurring = params.get("recurring")
    price.update(
        id=new_id("price"),
        active=params.get("active", True),
        # `tiered` is refused by the schema.
        billing_scheme=params.get("billing_scheme", "per_unit"),
        created=rt.now(),
        currency=params["currency"],
        lookup_key=params.get("lookup_key"),
        metadata=new_metadata(params.get("metadata")),
        nickname=params.get("nickname"),
        product=product_id,
        recurring=shape(
            "price",
            "recurring",
            interval=recurring["interval"],
            interval_count=recurring.get("interval_count", 1),
            usage_type="licensed",
        )
        if recurring
        else None,
        tax_behavior=params.get("tax_behavior", "unspecified"),
        type="recurring" if recurring else "one_time",
        unit_amount=params["unit_amount"],
        unit_amount_decimal=str(params["unit_amount"]),
    )
    return price


def plan_from_price(price: dict[str, Any]) -> dict[str, Any] | None:
    """Subscription items still carry a ``plan``: the same price in the pre-2018 shape."""
    recurring = price.get("recurring")
    if not recurring:
        return None
    plan = blank("plan")
    plan.update(
        id=price["id"],
        active=price["active"],
        amount=price["unit_amount"],
        amount_decimal=price["unit_amount_decimal"],
        billing_scheme="per_unit",
        created=price["created"],
        currency=price["currency"],
        interval=recurring["interval"],
        interval_count=recurring["interval_count"],
        metadata=price["metadata"],
        nickname=price["nickname"],
        product=price["product"] if isinstance(price["product"], str) else price["product"]["id"],
        usage_type="licensed",
    )
    return plan
