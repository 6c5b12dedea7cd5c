"""``/v1/products``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.objects.catalog import build_price, build_product
from fakestripe.params import (
    EMPTY,
    Array,
    Bool,
    Hash,
    Int,
    Metadata,
    Str,
    Url,
    apply_metadata,
    endpoint,
    list_endpoint,
)
from fakestripe.tracking import wanted

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("products", __name__)

_UNSUPPORTED = ("package_dimensions", "tax_details")


def _default_price_data() -> Hash:
    from fakestripe.api.prices import INTERVALS, price_fields

    fields = price_fields()
    return Hash(
        {
            **{k: fields[k] for k in ("currency", "unit_amount", "tax_behavior", "metadata")},
            "recurring": Hash(
                {"interval": Str(choices=INTERVALS), "interval_count": Int(minimum=1, maximum=365)},
                required=("interval",),
            ),
        },
        required=("currency", "unit_amount"),
        unsupported=("currency_options", "custom_unit_amount", "unit_amount_decimal"),
    )


def _fields(update: bool) -> dict[str, Any]:
    return {
        "name": Str(max_length=250),
        "active": Bool(),
        "description": Str(max_length=40_000, emptyable=update),
        "metadata": Metadata(),
        "images": Array(Url(), max_items=8, emptyable=update),
        "url": Url(emptyable=update),
        "statement_descriptor": Str(max_length=22, emptyable=update),
        "tax_code": Str(max_length=100, emptyable=update),
        "unit_label": Str(max_length=12, emptyable=update),
        "shippable": Bool(),
        "marketing_features": Array(
            Hash({"name": Str(max_length=80)}, required=("name",)), max_items=15, emptyable=update
        ),
    }


CREATE = endpoint(
    {
        **_fields(update=False),
        "type": Str(choices=("service",), refused=("good",)),
        "id": Str(max_length=255, pattern=r"[A-Za-z0-9_\-]+", pattern_hint="bad id characters"),
        "default_price_data": _default_price_data(),
    },
    required=("name",),
    unsupported=_UNSUPPORTED,
)


@api(bp, "/v1/products", "POST", CREATE)
def create_product(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("id") and rt.store.find(params["id"]):
        raise invalid("Product already exists.", param="id", code="resource_already_exists")
    product = rt.store.insert(build_product(rt, params))
    rt.emit("product.created", product)
    price_data = params.get("default_price_data")
    if price_data:
        price = rt.store.insert(build_price(rt, price_data, product["id"]))
        rt.emit("price.created", price)
        before = rt.render(product)
        product["default_price"] = price["id"]
        emit_updated(rt, "product.updated", product, before)
    return rt.render(product)


@api(bp, "/v1/products/<product_id>", "GET", endpoint())
def retrieve_product(rt: Runtime, params: dict[str, Any], product_id: str) -> dict[str, Any]:
    return retrieve(rt, "product", product_id)


UPDATE = endpoint(
    {**_fields(update=True), "default_price": Str(max_length=255, emptyable=True)},
    unsupported=_UNSUPPORTED,
)


@api(bp, "/v1/products/<product_id>", "POST", UPDATE)
def update_product(rt: Runtime, params: dict[str, Any], product_id: str) -> dict[str, Any]:
    product = rt.store.require("product", product_id)
    if params.get("default_price"):
        price = rt.store.require(
            "price", params["default_price"], param="default_price", status=400
        )
        if price["product"] != product_id:
            raise invalid("The default price must belong to this product.", param="default_price")
    before = rt.render(product)
    for key, value in params.items():
        if key == "metadata":
            product["metadata"] = apply_metadata(product["metadata"], value)
        elif key in {"images", "marketing_features"}:
            product[key] = [] if value is EMPTY else value
        else:
            product[key] = None if value is EMPTY else value
    product["updated"] = rt.now()
    emit_updated(rt, "product.updated", product, before)
    rt.store.mark_dirty()
    return rt.render(product)


LIST = list_endpoint(
    {
        "active": Bool(),
        "ids": Array(Str(max_length=255)),
        "shippable": Bool(),
        "url": Str(max_length=5000),
        "type": Str(choices=("good", "service")),
    }
)


@api(bp, "/v1/products", "GET", LIST)
def list_products(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    f = wanted(params, "active", "shippable", "url", "type")
    ids = params.get("ids")

    def keep(p: dict[str, Any]) -> bool:
        return all(p[k] == v for k, v in f.items()) and (ids is None or p["id"] in ids)

    return paginate(rt, rt.store.all("product", keep), params, "/v1/products")


@api(bp, "/v1/products/<product_id>", "DELETE", endpoint(expand=False))
def delete_product(rt: Runtime, params: dict[str, Any], product_id: str) -> dict[str, Any]:
    product = rt.store.require("product", product_id)
    if rt.store.all("price", lambda p: p["product"] == product_id):
        raise invalid(
            "This product cannot be deleted because it has one or more user-created prices.",
            param="id",
        )
    rendered = rt.render(product)
    rt.store.delete("product", product_id)
    rt.emit("product.deleted", rendered)
    return {"id": product_id, "object": "product", "deleted": True}
