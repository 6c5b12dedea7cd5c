"""``/v1/checkout/sessions``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.api.prices import recurring_field
from fakestripe.checkout_flow import expire_session
from fakestripe.errors import invalid
from fakestripe.objects import list_object
from fakestripe.objects.catalog import build_price, build_product
from fakestripe.objects.checkout import build_item, build_session, session_items
from fakestripe.params import (
    Amount,
    Array,
    Bool,
    Currency,
    Email,
    Hash,
    Int,
    Metadata,
    Str,
    Url,
    endpoint,
    list_endpoint,
)

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("checkout", __name__)

MIN_EXPIRY = 30 * 60
MAX_EXPIRY = 24 * 3600

_PRICE_DATA = Hash(
    {
        "currency": Currency(),
        "unit_amount": Amount(),
        "product": Str(max_length=255),
        "product_data": Hash(
            {
                "name": Str(max_length=250),
                "description": Str(max_length=40_000),
                "images": Array(Url(), max_items=8),
                "metadata": Metadata(),
                "tax_code": Str(max_length=100),
                "unit_label": Str(max_length=12),
            },
            required=("name",),
        ),
        "recurring": recurring_field(),
        "tax_behavior": Str(choices=("exclusive", "inclusive", "unspecified")),
    },
    required=("currency",),
    unsupported=("unit_amount_decimal",),
)

_LINE_ITEM = Hash(
    {
        "price": Str(max_length=255),
        "price_data": _PRICE_DATA,
        "quantity": Int(minimum=1, maximum=999_999),
    },
    ignored=("adjustable_quantity",),
    unsupported=("tax_rates", "dynamic_tax_rates", "metadata"),
)

CREATE = endpoint(
    {
        "mode": Str(choices=("payment", "subscription", "setup")),
        "line_items": Array(_LINE_ITEM, max_items=20),
        "customer": Str(max_length=255),
        "customer_email": Email(),
        "customer_creation": Str(choices=("always", "if_required")),
        "client_reference_id": Str(max_length=200),
        "metadata": Metadata(),
        "subscription_data": Hash(
            {"metadata": Metadata(), "description": Str(max_length=500)},
            ignored=("billing_mode", "proration_behavior"),
            unsupported=(
                "trial_period_days",
                "trial_end",
                "trial_settings",
                "billing_cycle_anchor",
                "default_tax_rates",
                "application_fee_percent",
                "on_behalf_of",
                "transfer_data",
                "invoice_settings",
                "pending_invoice_item_interval",
            ),
        ),
        "payment_intent_data": Hash(
            {
                "metadata": Metadata(),
                "description": Str(max_length=1000),
                "receipt_email": Email(),
                "setup_future_usage": Str(choices=("on_session", "off_session")),
                "statement_descriptor": Str(max_length=22),
                "statement_descriptor_suffix": Str(max_length=22),
            },
            unsupported=(
                "capture_method",
                "application_fee_amount",
                "on_behalf_of",
                "transfer_data",
                "transfer_group",
                "shipping",
            ),
        ),
        "success_url": Url(allow_template=True),
        "cancel_url": Url(),
        "expires_at": Int(minimum=0),
        "locale": Str(max_length=10),
        "allow_promotion_codes": Bool(),
        "billing_address_collection": Str(choices=("auto", "required")),
        "payment_method_collection": Str(choices=("always", "if_required")),
        "submit_type": Str(choices=("auto", "book", "donate", "pay", "subscribe")),
        "ui_mode": Str(choices=("hosted_page", "embedded_page", "elements")),
        "currency": Currency(),
        "payment_method_types": Array(Str(max_length=50)),
    },
    required=("mode",),
    ignored=(
        "automatic_tax",
        "consent_collection",
        "custom_text",
        "customer_update",
        "invoice_creation",
        "phone_number_collection",
        "tax_id_collection",
        "payment_method_options",
        "allowed_payment_method_types",
        "excluded_payment_method_types",
        "saved_payment_method_options",
        "origin_context",
        "wallet_options",
        "adaptive_pricing",
        "branding_settings",
        "name_collection",
        "payment_method_configuration",
    ),
    unsupported=(
        "discounts",
        "shipping_address_collection",
        "shipping_options",
        "return_url",
        "redirect_on_completion",
        "after_expiration",
        "custom_fields",
        "optional_items",
        "permissions",
        "setup_intent_data",
        "line_items_collection",
    ),
)


def _check_session_params(rt: Runtime, params: dict[str, Any]) -> None:
    if "payment_method_types" in params:
        raise invalid(
            "The `payment_method_types` parameter is no longer supported on this API version. "
            "Use `allowed_payment_method_types` or `excluded_payment_method_types` instead.",
            param="payment_method_types",
            code="payment_method_types_no_longer_supported",
        )
    mode = params["mode"]
    if mode == "setup":
        raise invalid(
            "fakestripe does not implement mode=setup.", param="mode", code="parameter_invalid"
        )
    if params.get("ui_mode", "hosted_page") != "hosted_page":
        raise invalid("fakestripe only implements ui_mode=hosted_page.", param="ui_mode")
    if not params.get("line_items"):
        raise invalid(
            "Missing required param: line_items.", param="line_items", code="parameter_missing"
        )
    if "success_url" not in params:
        raise invalid(
            "Missing required param: success_url.", param="success_url", code="parameter_missing"
        )
    if "customer" in params and "customer_email" in params:
        raise invalid(
            "You may only specify one of these parameters: customer, customer_email.",
            param="customer_email",
            code="parameters_exclusive",
        )
    if "customer" in params:
        rt.store.require("customer", params["customer"], param="customer", status=400)
    if mode == "subscription":
        for key in ("customer_creation", "payment_intent_data"):
            if key in params:
                raise invalid(f"`{key}` can only be used in `payment` mode.", param=key)
    elif "subscription_data" in params:
        raise invalid(
            "`subscription_data` can only be used in `subscription` mode.",
            param="subscription_data",
        )
    now = rt.now()
    if "expires_at" in params and not now + MIN_EXPIRY <= params["expires_at"] <= now + MAX_EXPIRY:
        raise invalid(
            "The `expires_at` timestamp must be between 30 minutes and 24 hours from now.",
            param="expires_at",
        )


def _resolve_line_item(
    rt: Runtime, spec: dict[str, Any], index: int
) -> tuple[dict[str, Any] | None, dict[str, Any], int]:
    """Returns (existing price or None, price params, quantity); nothing is created yet."""
    path = f"line_items[{index}]"
    if ("price" in spec) == ("price_data" in spec):
        raise invalid(
            f"You must specify either `price` or `price_data` in {path}.",
            param=f"{path}[price]",
            code="parameter_missing",
        )
    if "quantity" not in spec:
        raise invalid(
            f"Missing required param: {path}[quantity].",
            param=f"{path}[quantity]",
            code="parameter_missing",
        )
    if "price" in spec:
        price = rt.store.require("price", spec["price"], param=f"{path}[price]", status=400)
        if not price["active"]:
            raise invalid(
                "The price specified is inactive. This field only accepts active prices.",
                param=f"{path}[price]",
            )
        return price, price, spec["quantity"]
    data = spec["price_data"]
    if ("product" in data) == ("product_data" in data):
        raise invalid(
            f"You must specify either `product` or `product_data` in {path}[price_data].",
            param=f"{path}[price_data][product]",
            code="parameter_missing",
        )
    if "unit_amount" not in data:
        raise invalid(
            f"Missing required param: {path}[price_data][unit_amount].",
            param=f"{path}[price_data][unit_amount]",
            code="parameter_missing",
        )
    if "product" in data:
        rt.store.require(
            "product", data["product"], param=f"{path}[price_data][product]", status=400
        )
    return (
        None,
        {
            "currency": data["currency"],
            "unit_amount": data["unit_amount"],
            "recurring": data.get("recurring"),
            "type": "recurring" if data.get("recurring") else "one_time",
        },
        spec["quantity"],
    )


@api(bp, "/v1/checkout/sessions", "POST", CREATE)
def create_session(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    _check_session_params(rt, params)
    resolved = [_resolve_line_item(rt, spec, i) for i, spec in enumerate(params["line_items"])]
    currencies = {price["currency"] for _, price, _ in resolved}
    if len(currencies) > 1 or ("currency" in params and params["currency"] not in currencies):
        raise invalid("All line items must use the same currency.", param="line_items")
    recurring = [p for _, p, _ in resolved if p.get("recurring")]
    if params["mode"] == "payment" and recurring:
        raise invalid(
            "You specified `payment` mode but passed a recurring price. Either switch to "
            "`subscription` mode or use only one-time prices.",
            param="line_items",
        )
    if params["mode"] == "subscription":
        if len(recurring) != len(resolved):
            raise invalid(
                "fakestripe only implements subscription mode with recurring prices.",
                param="line_items",
            )
        intervals = {
            (p["recurring"]["interval"], p["recurring"].get("interval_count", 1)) for p in recurring
        }
        if len(intervals) > 1:
            raise invalid(
                "Checkout does not support multiple prices with different billing intervals.",
                param="line_items",
            )
    currency = currencies.pop()
    total = sum(price["unit_amount"] * quantity for _, price, quantity in resolved)
    # Stripe's minimum charge is about 50 of the smallest unit (0.50 eur/usd, 50 jpy).
    minimum = 50
    if params["mode"] == "payment" and total < minimum:
        raise invalid(
            f"The Checkout Session's total amount due must add up to at least {minimum} "
            f"(smallest {currency} unit).",
            param="line_items",
            code="amount_too_small",
        )
    items = []
    for (existing, price_params, quantity), spec in zip(
        resolved, params["line_items"], strict=True
    ):
        price = existing
        if price is None:
            data = spec["price_data"]
            if "product_data" in data:
                product = rt.store.insert(build_product(rt, data["product_data"]))
                rt.emit("product.created", product)
                product_id = product["id"]
            else:
                product_id = data["product"]
            # Inline prices exist but are archived so they do not show up as catalogue prices.
            price = rt.store.insert(build_price(rt, {**price_params, "active": False}, product_id))
        items.append(build_item(rt, price, quantity))
    session = build_session(rt, params, amount_total=total, currency=currency)
    rt.store.insert(session)
    private = rt.store.private(session["id"])
    private["line_items"] = items
    private["subscription_data"] = params.get("subscription_data") or {}
    private["payment_intent_data"] = params.get("payment_intent_data") or {}
    private["allow_promotion_codes"] = params.get("allow_promotion_codes")
    return rt.render(session)


@api(bp, "/v1/checkout/sessions/<session_id>", "GET", endpoint())
def retrieve_session(rt: Runtime, params: dict[str, Any], session_id: str) -> dict[str, Any]:
    return retrieve(rt, "checkout.session", session_id)


UPDATE = endpoint(
    {"metadata": Metadata()},
    unsupported=("collected_information", "shipping_options", "line_items"),
)


@api(bp, "/v1/checkout/sessions/<session_id>", "POST", UPDATE)
def update_session(rt: Runtime, params: dict[str, Any], session_id: str) -> dict[str, Any]:
    from fakestripe.params import apply_metadata

    session = rt.store.require("checkout.session", session_id)
    if "metadata" in params:
        session["metadata"] = apply_metadata(session["metadata"], params["metadata"])
        rt.store.mark_dirty()
    return rt.render(session)


@api(bp, "/v1/checkout/sessions/<session_id>/expire", "POST", endpoint())
def expire(rt: Runtime, params: dict[str, Any], session_id: str) -> dict[str, Any]:
    session = rt.store.require("checkout.session", session_id)
    return rt.render(expire_session(rt, session))


LIST = list_endpoint(
    {
        "customer": Str(max_length=255),
        "payment_intent": Str(max_length=255),
        "subscription": Str(max_length=255),
        "status": Str(choices=("open", "complete", "expired")),
        "customer_details": Hash({"email": Str(max_length=512)}, required=("email",)),
        "payment_link": Str(max_length=255),
    }
)


@api(bp, "/v1/checkout/sessions", "GET", LIST)
def list_sessions(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    email = (params.get("customer_details") or {}).get("email")

    def keep(s: dict[str, Any]) -> bool:
        return all(
            (
                all(
                    s[k] == params[k]
                    for k in ("customer", "payment_intent", "subscription", "status")
                    if k in params
                ),
                email is None or (s["customer_details"] or {}).get("email") == email,
                "payment_link" not in params or s["payment_link"] == params["payment_link"],
            )
        )

    return paginate(rt, rt.store.all("checkout.session", keep), params, "/v1/checkout/sessions")


LINE_ITEMS = list_endpoint()


@api(bp, "/v1/checkout/sessions/<session_id>/line_items", "GET", LINE_ITEMS)
def list_line_items(rt: Runtime, params: dict[str, Any], session_id: str) -> dict[str, Any]:
    session = rt.store.require("checkout.session", session_id)
    items = session_items(rt, session)
    url = f"/v1/checkout/sessions/{session_id}/line_items"
    return page_of(items, params, url)


def page_of(items: list[dict[str, Any]], params: dict[str, Any], url: str) -> dict[str, Any]:
    """Pagination over an embedded list kept in its natural order."""
    limit = params.get("limit", 10)
    ids = [i["id"] for i in items]
    for key in ("starting_after", "ending_before"):
        if key in params and params[key] not in ids:
            raise invalid(f"No such object: '{params[key]}'", param=key, code="resource_missing")
    if "starting_after" in params:
        rest = items[ids.index(params["starting_after"]) + 1 :]
        return list_object(rest[:limit], url, len(rest) > limit)
    if "ending_before" in params:
        head = items[: ids.index(params["ending_before"])]
        return list_object(head[-limit:], url, len(head) > limit)
    return list_object(items[:limit], url, len(items) > limit)
