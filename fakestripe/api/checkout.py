"""``/v1/checkout/sessions``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe import checkout_discounts
from fakestripe.api.base import api, paginate, retrieve
from fakestripe.api.checkout_schema import CREATE
from fakestripe.checkout_flow import expire_session
from fakestripe.errors import invalid
from fakestripe.objects import list_object
from fakestripe.objects.catalog import build_price, build_product
from fakestripe.objects.checkout import build_item, build_session, session_items
from fakestripe.params import Hash, Metadata, Str, endpoint, list_endpoint, new_metadata
from fakestripe.setup import create_setup_intent
from fakestripe.tracking import consume, wanted

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("checkout", __name__)

MIN_EXPIRY = 30 * 60
MAX_EXPIRY = 24 * 3600
DAY = 86_400


def _check_mode(params: dict[str, Any]) -> None:
    """What each mode needs, and what belongs to another mode."""
    mode = params["mode"]
    if mode == "setup":
        for key in ("line_items", "subscription_data", "payment_intent_data"):
            if key in params:
                raise invalid(f"You cannot pass `{key}` in `setup` mode.", param=key)
        if "currency" not in params:
            raise invalid(
                "Missing required param: currency (a setup mode session needs one).",
                param="currency",
                code="parameter_missing",
            )
    elif not params.get("line_items"):
        raise invalid(
            "Missing required param: line_items.", param="line_items", code="parameter_missing"
        )
    elif "setup_intent_data" in params:
        raise invalid(
            "`setup_intent_data` can only be used in `setup` mode.", param="setup_intent_data"
        )
    if mode == "subscription":
        for key in ("customer_creation", "payment_intent_data"):
            if key in params:
                raise invalid(f"`{key}` can only be used in `payment` mode.", param=key)
    elif "subscription_data" in params:
        raise invalid(
            "`subscription_data` can only be used in `subscription` mode.",
            param="subscription_data",
        )


def _check_session_params(rt: Runtime, params: dict[str, Any]) -> None:
    _check_mode(params)
    checkout_discounts.check_params(params)
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


def _check_prices(params: dict[str, Any], prices: list[dict[str, Any]]) -> str:
    """One currency, and the kind of prices the mode takes; returns the currency."""
    currencies = {price["currency"] for price in prices}
    if len(currencies) > 1 or ("currency" in params and params["currency"] not in currencies):
        raise invalid("All line items must use the same currency.", param="line_items")
    recurring = [p for p in prices if p.get("recurring")]
    if params["mode"] == "payment" and recurring:
        raise invalid(
            "You specified `payment` mode but passed a recurring price. Either switch to "
            "`subscription` mode or use only one-time prices.",
            param="line_items",
        )
    if params["mode"] == "subscription":
        if len(recurring) != len(prices):
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
    return currencies.pop()


def _create_items(
    rt: Runtime,
    resolved: list[tuple[dict[str, Any] | None, dict[str, Any], int]],
    specs: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    items = []
    for (existing, price_params, quantity), spec in zip(resolved, specs, strict=True):
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
    return items


@api(bp, "/v1/checkout/sessions", "POST", CREATE)
def create_session(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    _check_session_params(rt, params)
    if params["mode"] == "setup":
        return _setup_session(rt, params)
    resolved = [_resolve_line_item(rt, spec, i) for i, spec in enumerate(params["line_items"])]
    currency = _check_prices(params, [price for _, price, _ in resolved])
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
    trial_end = _trial_end(rt, params.get("subscription_data") or {})
    if trial_end is not None:
        # Nothing is due today; the first paid period starts when the trial ends.
        total = 0
    elif params.get("payment_method_collection") == "if_required":
        raise invalid(
            "fakestripe implements payment_method_collection=if_required for free trials only.",
            param="payment_method_collection",
        )
    items = _create_items(rt, resolved, params["line_items"])
    session = build_session(rt, params, amount_total=total, currency=currency)
    rt.store.insert(session)
    private = rt.store.private(session["id"])
    private["line_items"] = items
    # Used when the session is paid: every key is applied then (see checkout_flow).
    private["subscription_data"] = _kept(params.get("subscription_data"))
    if trial_end is not None:
        private["subscription_data"]["trial_end"] = trial_end
    private["payment_intent_data"] = _kept(params.get("payment_intent_data"))
    checkout_discounts.start(rt, session, params)
    return rt.render(session)


def _trial_end(rt: Runtime, data: dict[str, Any]) -> int | None:
    """A Checkout trial: ``trial_period_days``, or a ``trial_end`` at least two days away."""
    now = rt.now()
    if "trial_end" in data and "trial_period_days" in data:
        raise invalid(
            "You may only specify one of these parameters: trial_end, trial_period_days.",
            param="subscription_data[trial_period_days]",
            code="parameters_exclusive",
        )
    if "trial_period_days" in data:
        return now + data["trial_period_days"] * DAY
    trial_end = data.get("trial_end")
    if trial_end is not None and not now + 2 * DAY <= trial_end <= now + 730 * DAY:
        raise invalid(
            "subscription_data[trial_end] must be at least 2 days and at most 730 days away.",
            param="subscription_data[trial_end]",
        )
    return trial_end


def _setup_session(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    """Setup mode: no line items, nothing charged; the card is saved through a SetupIntent."""
    data = params.get("setup_intent_data") or {}
    session = build_session(rt, params, amount_total=None, currency=params["currency"])
    si = create_setup_intent(
        rt,
        customer=params.get("customer"),
        description=data.get("description"),
        metadata=new_metadata(data.get("metadata")),
    )
    session.update(setup_intent=si["id"], payment_status="no_payment_required")
    rt.store.insert(session)
    private = rt.store.private(session["id"])
    private.update(line_items=[], subscription_data={}, payment_intent_data={})
    return rt.render(session)


def _kept(data: dict[str, Any] | None) -> dict[str, Any]:
    """Plain JSON to keep until payment; empty metadata values already mean "no such key"."""
    kept = consume(data or {})
    if "metadata" in kept:
        kept["metadata"] = new_metadata(kept["metadata"])
    return kept


@api(bp, "/v1/checkout/sessions/<session_id>", "GET", endpoint())
def retrieve_session(rt: Runtime, params: dict[str, Any], session_id: str) -> dict[str, Any]:
    return retrieve(rt, "checkout.session", session_id)


UPDATE = endpoint(
    {"metadata": Metadata()},
    unsupported=("collected_information", "shipping_options", "line_items", "payment_intent_data"),
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
    },
    unsupported=("customer_account",),
)


@api(bp, "/v1/checkout/sessions", "GET", LIST)
def list_sessions(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    email = (params.get("customer_details") or {}).get("email")
    f = wanted(params, "customer", "payment_intent", "subscription", "status", "payment_link")

    def keep(s: dict[str, Any]) -> bool:
        return all(s[k] == v for k, v in f.items()) and (
            email is None or (s["customer_details"] or {}).get("email") == email
        )

    return paginate(rt, rt.store.all("checkout.session", keep), params, "/v1/checkout/sessions")


LINE_ITEMS = list_endpoint(created=False)


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
