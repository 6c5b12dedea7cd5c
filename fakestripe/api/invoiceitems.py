"""``/v1/invoiceitems``: pending amounts for a customer's next invoice (prorations among them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.api.subscription_schema import price_data_field
from fakestripe.errors import invalid
from fakestripe.invoiceitems import amount_only, build_invoice_item, delete_item
from fakestripe.invoicing import LineSpec
from fakestripe.objects.catalog import build_price
from fakestripe.params import (
    EMPTY,
    Amount,
    Bool,
    Currency,
    Hash,
    Int,
    Metadata,
    Str,
    apply_metadata,
    endpoint,
    list_endpoint,
    new_metadata,
)
from fakestripe.tracking import wanted

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("invoiceitems", __name__)

_NOT_IMPLEMENTED = (
    "discounts",
    "quantity_decimal",
    "tax_behavior",
    "tax_code",
    "tax_rates",
    "unit_amount_decimal",
)


def _price_data() -> Hash:
    field = price_data_field()
    # One-time: an invoice item's inline price has no `recurring`.
    return Hash(
        {k: f for k, f in field.fields.items() if k != "recurring"},
        required=("currency", "product", "unit_amount"),
        unsupported=field.unsupported,
    )


def _period() -> Hash:
    return Hash({"start": Int(minimum=0), "end": Int(minimum=0)}, required=("start", "end"))


CREATE = endpoint(
    {
        "customer": Str(max_length=255),
        "amount": Amount(minimum=-99_999_999),
        "currency": Currency(),
        "description": Str(max_length=500),
        "metadata": Metadata(),
        "period": _period(),
        "pricing": Hash({"price": Str(max_length=255)}, required=("price",)),
        "price_data": _price_data(),
        "quantity": Int(minimum=1, maximum=999_999),
        "subscription": Str(max_length=255),
        "discountable": Bool(),
    },
    required=("customer",),
    unsupported=(*_NOT_IMPLEMENTED, "customer_account", "invoice"),
)


def _resolve_price(
    rt: Runtime, params: dict[str, Any], currency: str | None
) -> tuple[dict[str, Any], int]:
    """The item's price and unit amount: a one-time ``pricing[price]``, inline ``price_data``,
    or an ``amount`` (with ``currency``) on an archived price of its own."""
    given = [k for k in ("amount", "pricing", "price_data") if k in params]
    if len(given) != 1:
        raise invalid(
            "You must specify exactly one of `amount`, `pricing[price]` or `price_data`.",
            param="amount",
            code="parameter_missing" if not given else "parameters_exclusive",
        )
    if "pricing" in params:
        price = rt.store.require(
            "price", params["pricing"]["price"], param="pricing[price]", status=400
        )
        if price["type"] != "one_time":
            raise invalid(
                "The price specified is a recurring price; invoice items take one-time prices.",
                param="pricing[price]",
            )
        return price, price["unit_amount"]
    if "price_data" in params:
        data = params["price_data"]
        rt.store.require("product", data["product"], param="price_data[product]", status=400)
        price_params = {
            "currency": data["currency"],
            "unit_amount": data["unit_amount"],
            "tax_behavior": data.get("tax_behavior", "unspecified"),
            "active": False,
        }
        return rt.store.insert(build_price(rt, price_params, data["product"])), data["unit_amount"]
    if currency is None:
        raise invalid(
            "Missing required param: currency.", param="currency", code="parameter_missing"
        )
    # A plain amount has no price.
    return amount_only(currency, params["amount"]), params["amount"]


@api(bp, "/v1/invoiceitems", "POST", CREATE)
def create_invoice_item(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    customer = rt.store.require("customer", params["customer"], param="customer", status=400)
    sub = None
    if "subscription" in params:
        sub = rt.store.require(
            "subscription", params["subscription"], param="subscription", status=400
        )
        if sub["customer"] != customer["id"]:
            raise invalid("The subscription belongs to another customer.", param="subscription")
    if "quantity" in params and "amount" in params:
        raise invalid("`quantity` cannot be used with `amount`.", param="quantity")
    price, unit = _resolve_price(rt, params, params.get("currency"))
    quantity = params.get("quantity", 1)
    now = rt.now()
    period = params.get("period") or {"start": now, "end": now}
    if period["end"] < period["start"]:
        raise invalid("period[end] must not be before period[start].", param="period[end]")
    product = rt.store.get("product", price["product"]) or {"name": "Invoice item"}
    spec = LineSpec(
        amount=unit * quantity,
        description=params.get("description") or product["name"],
        price=price,
        quantity=quantity,
        period=(period["start"], period["end"]),
        subscription_item=None,
    )
    item = build_invoice_item(
        rt,
        customer=customer["id"],
        spec=spec,
        subscription=sub["id"] if sub else None,
        metadata=new_metadata(params.get("metadata")),
        discountable=params.get("discountable", True),
    )
    rt.store.insert(item)
    rt.emit("invoiceitem.created", item)
    return rt.render(item)


@api(bp, "/v1/invoiceitems/<item_id>", "GET", endpoint())
def retrieve_invoice_item(rt: Runtime, params: dict[str, Any], item_id: str) -> dict[str, Any]:
    return retrieve(rt, "invoiceitem", item_id)


UPDATE = endpoint(
    {
        "amount": Amount(minimum=-99_999_999),
        "description": Str(max_length=500, emptyable=True),
        "metadata": Metadata(),
        "period": _period(),
        "discountable": Bool(),
    },
    unsupported=(*_NOT_IMPLEMENTED, "invoicing_rules", "price_data", "pricing", "quantity"),
)


def _pending(item: dict[str, Any], action: str) -> None:
    if item["invoice"] is not None:
        raise invalid(
            f"You can only {action} invoice items that are not yet on an invoice; "
            f"{item['id']} is on {item['invoice']}.",
            param="id",
            code="invoice_no_longer_editable",
        )


@api(bp, "/v1/invoiceitems/<item_id>", "POST", UPDATE)
def update_invoice_item(rt: Runtime, params: dict[str, Any], item_id: str) -> dict[str, Any]:
    item = rt.store.require("invoiceitem", item_id)
    _pending(item, "update")
    for key, value in params.items():
        if key == "metadata":
            item["metadata"] = apply_metadata(item["metadata"], value)
        elif key == "period":
            item["period"] = {"start": value["start"], "end": value["end"]}
        elif key == "amount":
            item.update(amount=value, net_amount=value, quantity=1, quantity_decimal="1")
        else:
            item[key] = None if value is EMPTY else value
    rt.store.mark_dirty()
    return rt.render(item)


@api(bp, "/v1/invoiceitems/<item_id>", "DELETE", endpoint(expand=False))
def delete_invoice_item(rt: Runtime, params: dict[str, Any], item_id: str) -> dict[str, Any]:
    item = rt.store.require("invoiceitem", item_id)
    _pending(item, "delete")
    delete_item(rt, item)
    return {"id": item_id, "object": "invoiceitem", "deleted": True}


LIST = list_endpoint(
    {
        "customer": Str(max_length=255),
        "invoice": Str(max_length=255),
        "pending": Bool(),
    },
    unsupported=("customer_account",),
)


@api(bp, "/v1/invoiceitems", "GET", LIST)
def list_invoice_items(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    f = wanted(params, "customer", "invoice")
    pending = params.get("pending")

    def keep(item: dict[str, Any]) -> bool:
        return all(item[k] == v for k, v in f.items()) and (
            pending is None or (item["invoice"] is None) == pending
        )

    return paginate(rt, rt.store.all("invoiceitem", keep), params, "/v1/invoiceitems")
