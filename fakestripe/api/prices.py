"""``/v1/prices``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.objects.catalog import build_price, build_product
from fakestripe.params import (
    EMPTY,
    Amount,
    Array,
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
from fakestripe.tracking import wanted

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("prices", __name__)

INTERVALS = ("day", "week", "month", "year")
_MAX_COUNT = {"day": 365, "week": 52, "month": 12, "year": 1}


def _check_recurring(recurring: dict[str, Any], path: str) -> None:
    count = recurring.get("interval_count", 1)
    if count > _MAX_COUNT[recurring["interval"]]:
        raise invalid(
            "The maximum billing frequency is one year (1 year, 12 months, 52 weeks or 365 days).",
            param=f"{path}[interval_count]",
        )


def recurring_field() -> Hash:
    return Hash(
        {
            "interval": Str(choices=INTERVALS),
            "interval_count": Int(minimum=1, maximum=365),
            "usage_type": Str(choices=("licensed",), refused=("metered",)),
        },
        required=("interval",),
        unsupported=("meter", "trial_period_days"),
        validator=_check_recurring,
    )


def price_fields() -> dict[str, Field]:
    return {
        "currency": Currency(),
        "unit_amount": Amount(),
        "unit_amount_decimal": Str(
            max_length=20,
            pattern=r"\d+(\.0+)?",
            pattern_hint="only whole amounts are supported by fakestripe",
        ),
        "recurring": recurring_field(),
        "lookup_key": Str(max_length=200),
        "transfer_lookup_key": Bool(),
        "nickname": Str(max_length=5000),
        "active": Bool(),
        "metadata": Metadata(),
        "tax_behavior": Str(choices=("exclusive", "inclusive", "unspecified")),
        "billing_scheme": Str(choices=("per_unit",), refused=("tiered",)),
    }


def product_data_field() -> Hash:
    return Hash(
        {
            "name": Str(max_length=250),
            "active": Bool(),
            "metadata": Metadata(),
            "statement_descriptor": Str(max_length=22),
            "tax_code": Str(max_length=100),
            "unit_label": Str(max_length=12),
            "id": Str(max_length=255),
        },
        required=("name",),
        unsupported=("tax_details",),
    )


def _create_validator(params: dict[str, Any], path: str) -> None:
    if ("product" in params) == ("product_data" in params):
        raise invalid(
            "You must specify either `product` or `product_data` when creating a price.",
            param="product",
            code="parameter_missing",
        )
    if "unit_amount_decimal" in params:
        if "unit_amount" in params:
            raise invalid(
                "You may only specify one of these parameters: unit_amount, unit_amount_decimal.",
                param="unit_amount_decimal",
                code="parameters_exclusive",
            )
        params["unit_amount"] = int(float(params.pop("unit_amount_decimal")))
    if "unit_amount" not in params:
        raise invalid(
            "Missing required param: unit_amount.", param="unit_amount", code="parameter_missing"
        )


CREATE = endpoint(
    {**price_fields(), "product": Str(max_length=255), "product_data": product_data_field()},
    required=("currency",),
    unsupported=(
        "custom_unit_amount",
        "tiers",
        "tiers_mode",
        "transform_quantity",
        "currency_options",
    ),
    validator=_create_validator,
)


def take_lookup_key(rt: Runtime, lookup_key: str | None, transfer: bool, param: str) -> None:
    if not lookup_key:
        return
    holders = rt.store.all("price", lambda p: p["lookup_key"] == lookup_key)
    if holders and not transfer:
        raise invalid(
            f"A price (`{holders[0]['id']}`) already uses that lookup key.",
            param=param,
            code="resource_already_exists",
        )
    for holder in holders:
        before = rt.render(holder)
        holder["lookup_key"] = None
        emit_updated(rt, "price.updated", holder, before)


@api(bp, "/v1/prices", "POST", CREATE)
def create_price(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    if "product" in params:
        product_id = rt.store.require("product", params["product"], param="product", status=400)[
            "id"
        ]
    else:
        product = None
    take_lookup_key(
        rt, params.get("lookup_key"), params.get("transfer_lookup_key", False), "lookup_key"
    )
    if "product_data" in params:
        product = rt.store.insert(build_product(rt, params["product_data"]))
        rt.emit("product.created", product)
        product_id = product["id"]
    price = rt.store.insert(build_price(rt, params, product_id))
    rt.emit("price.created", price)
    return rt.render(price)


@api(bp, "/v1/prices/<price_id>", "GET", endpoint())
def retrieve_price(rt: Runtime, params: dict[str, Any], price_id: str) -> dict[str, Any]:
    return retrieve(rt, "price", price_id)


UPDATE = endpoint(
    {
        "active": Bool(),
        "metadata": Metadata(),
        "nickname": Str(max_length=5000, emptyable=True),
        "lookup_key": Str(max_length=200, emptyable=True),
        "transfer_lookup_key": Bool(),
        "tax_behavior": Str(choices=("exclusive", "inclusive", "unspecified")),
    },
    unsupported=("currency_options",),
)


@api(bp, "/v1/prices/<price_id>", "POST", UPDATE)
def update_price(rt: Runtime, params: dict[str, Any], price_id: str) -> dict[str, Any]:
    price = rt.store.require("price", price_id)
    if params.get("lookup_key") and params["lookup_key"] != price["lookup_key"]:
        take_lookup_key(
            rt, params["lookup_key"], params.get("transfer_lookup_key", False), "lookup_key"
        )
    before = rt.render(price)
    for key, value in params.items():
        if key == "metadata":
            price["metadata"] = apply_metadata(price["metadata"], value)
        elif key != "transfer_lookup_key":
            price[key] = None if value is EMPTY else value
    emit_updated(rt, "price.updated", price, before)
    rt.store.mark_dirty()
    return rt.render(price)


LIST = list_endpoint(
    {
        "active": Bool(),
        "currency": Currency(),
        "product": Str(max_length=255),
        "type": Str(choices=("one_time", "recurring")),
        "lookup_keys": Array(Str(max_length=200), max_items=10),
        "recurring": Hash(
            {
                "interval": Str(choices=INTERVALS),
                "usage_type": Str(choices=("licensed", "metered")),
            },
            unsupported=("meter",),
        ),
    }
)


@api(bp, "/v1/prices", "GET", LIST)
def list_prices(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    recurring = wanted(params.get("recurring") or {}, "interval", "usage_type")
    f = wanted(params, "active", "currency", "product", "type")
    lookup_keys = params.get("lookup_keys")

    def keep(p: dict[str, Any]) -> bool:
        return (
            all(p[k] == v for k, v in f.items())
            and (lookup_keys is None or p["lookup_key"] in lookup_keys)
            and all((p["recurring"] or {}).get(k) == v for k, v in recurring.items())
        )

    return paginate(rt, rt.store.all("price", keep), params, "/v1/prices")
