"""``/v1/billing_portal/configurations`` and ``/v1/billing_portal/sessions`` (with
``flow_data``). What the portal then lets people do is in :mod:`fakestripe.portal`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.api.subscription_schema import FEEDBACK, PRORATION_BEHAVIORS
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.objects.portal import build_configuration, build_portal_session
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
    new_metadata,
    words,
)
from fakestripe.portal import check_flow, configuration_for
from fakestripe.tracking import consume, wanted

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("billing_portal", __name__)

PORTAL_LOCALES = words(
    "auto bg cs da de el en en-AU en-CA en-GB en-IE en-IN en-NZ en-SG es es-419 et fi fil fr "
    "fr-CA hr hu id it ja ko lt lv ms mt nb nl pl pt pt-BR ro ru sk sl sv th tr vi zh zh-HK "
    "zh-TW"
)


def _enabled(**fields: Any) -> dict[str, Any]:
    return {"enabled": Bool(), **fields}


def _features(*, update: bool) -> Hash:
    required = () if update else ("enabled",)
    return Hash(
        {
            "customer_update": Hash(
                _enabled(
                    allowed_updates=Array(
                        Str(
                            choices=("email", "name"),
                            refused=("address", "phone", "shipping", "tax_id"),
                        ),
                        emptyable=True,
                    )
                ),
                required=required,
            ),
            "invoice_history": Hash(_enabled(), required=("enabled",)),
            "payment_method_update": Hash(
                _enabled(), required=("enabled",), unsupported=("payment_method_configuration",)
            ),
            "subscription_cancel": Hash(
                _enabled(
                    mode=Str(choices=("at_period_end", "immediately")),
                    proration_behavior=Str(choices=PRORATION_BEHAVIORS),
                    cancellation_reason=Hash(
                        {
                            "enabled": Bool(),
                            "options": Array(Str(choices=FEEDBACK), emptyable=True),
                        },
                        required=("enabled",),
                        unsupported=("feedback_options",),
                    ),
                ),
                required=required,
            ),
            "subscription_pause": Hash(
                _enabled(
                    duration=Hash(
                        {"type": Str(choices=("indefinite",), refused=("interval_options",))},
                        required=("type",),
                        unsupported=("interval_options",),
                    )
                ),
                required=required,
            ),
            "subscription_update": Hash(
                _enabled(
                    default_allowed_updates=Array(
                        Str(choices=("price",), refused=("promotion_code", "quantity")),
                        emptyable=True,
                    ),
                    products=Array(
                        Hash(
                            {
                                "product": Str(max_length=255),
                                "prices": Array(Str(max_length=255), max_items=10),
                                "adjustable_quantity": Hash(
                                    {"enabled": Bool(only=False)},
                                    required=("enabled",),
                                    unsupported=("maximum", "minimum"),
                                ),
                            },
                            required=("product", "prices"),
                        ),
                        max_items=10,
                        emptyable=True,
                    ),
                    proration_behavior=Str(choices=PRORATION_BEHAVIORS),
                    billing_cycle_anchor=Str(choices=("now", "unchanged")),
                    schedule_at_period_end=Hash(
                        {
                            "conditions": Array(
                                Hash(
                                    {
                                        "type": Str(
                                            choices=(
                                                "decreasing_item_amount",
                                                "shortening_interval",
                                            )
                                        )
                                    },
                                    required=("type",),
                                ),
                                emptyable=True,
                            )
                        }
                    ),
                    trial_update_behavior=Str(choices=("end_trial",), refused=("continue_trial",)),
                ),
                required=required,
            ),
        }
    )


def _business_profile() -> Hash:
    return Hash(
        {
            "headline": Str(max_length=60, emptyable=True),
            "privacy_policy_url": Url(),
            "terms_of_service_url": Url(),
        }
    )


CONFIG_CREATE = endpoint(
    {
        "business_profile": _business_profile(),
        "default_return_url": Url(emptyable=True),
        "features": _features(update=False),
        "login_page": Hash({"enabled": Bool(only=False)}, required=("enabled",)),
        "metadata": Metadata(),
        "name": Str(max_length=256, emptyable=True),
    },
    required=("features",),
)

CONFIG_UPDATE = endpoint(
    {
        "active": Bool(),
        "business_profile": _business_profile(),
        "default_return_url": Url(emptyable=True),
        "features": _features(update=True),
        "login_page": Hash({"enabled": Bool(only=False)}, required=("enabled",)),
        "metadata": Metadata(),
        "name": Str(max_length=256, emptyable=True),
    }
)


def _apply_configuration(rt: Runtime, config: dict[str, Any], params: dict[str, Any]) -> None:
    # A login page is not implemented (only `enabled: false` gets here).
    params.get("login_page")
    for key, value in (params.get("business_profile") or {}).items():
        config["business_profile"][key] = None if value is EMPTY else value
    if "default_return_url" in params:
        value = params["default_return_url"]
        config["default_return_url"] = None if value is EMPTY else value
    if "name" in params:
        config["name"] = None if params["name"] is EMPTY else params["name"]
    if "metadata" in params:
        config["metadata"] = apply_metadata(config["metadata"], params["metadata"])
    if "active" in params:
        if not params["active"] and config["is_default"]:
            raise invalid("The default configuration cannot be deactivated.", param="active")
        config["active"] = params["active"]
    for name, feature in (params.get("features") or {}).items():
        target = config["features"][name]
        for key, value in consume(feature).items():
            if key == "products":
                target[key] = _products(rt, [] if value is EMPTY else value)
            elif isinstance(value, dict) and isinstance(target.get(key), dict):
                target[key].update(value)
            else:
                target[key] = [] if value is EMPTY else value
    config["updated"] = rt.now()
    rt.store.mark_dirty()


def _products(rt: Runtime, products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each listed price must be an active recurring price of that product."""
    checked = []
    for index, entry in enumerate(products):
        path = f"features[subscription_update][products][{index}]"
        rt.store.require("product", entry["product"], param=f"{path}[product]", status=400)
        for number, price_id in enumerate(entry["prices"]):
            price = rt.store.require(
                "price", price_id, param=f"{path}[prices][{number}]", status=400
            )
            if price["product"] != entry["product"] or price["type"] != "recurring":
                raise invalid(
                    f"The price {price_id} is not a recurring price of {entry['product']}.",
                    param=f"{path}[prices][{number}]",
                )
        checked.append(
            {
                "adjustable_quantity": {"enabled": False, "maximum": None, "minimum": 1},
                "prices": list(entry["prices"]),
                "product": entry["product"],
            }
        )
    return checked


@api(bp, "/v1/billing_portal/configurations", "POST", CONFIG_CREATE)
def create_configuration(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    config = build_configuration(rt)
    # A new configuration starts with every feature off, except what is asked for.
    for feature in config["features"].values():
        feature["enabled"] = False
    config["metadata"] = new_metadata(params.get("metadata"))
    _apply_configuration(rt, config, params)
    rt.store.insert(config)
    rt.emit("billing_portal.configuration.created", config)
    return rt.render(config)


@api(bp, "/v1/billing_portal/configurations/<config_id>", "GET", endpoint())
def retrieve_configuration(rt: Runtime, params: dict[str, Any], config_id: str) -> dict[str, Any]:
    return retrieve(rt, "billing_portal.configuration", config_id)


@api(bp, "/v1/billing_portal/configurations/<config_id>", "POST", CONFIG_UPDATE)
def update_configuration(rt: Runtime, params: dict[str, Any], config_id: str) -> dict[str, Any]:
    config = rt.store.require("billing_portal.configuration", config_id)
    before = rt.render(config)
    _apply_configuration(rt, config, params)
    rt.store.private(config_id)["edited"] = True
    emit_updated(rt, "billing_portal.configuration.updated", config, before)
    return rt.render(config)


CONFIG_LIST = list_endpoint({"active": Bool(), "is_default": Bool()}, created=False)


@api(bp, "/v1/billing_portal/configurations", "GET", CONFIG_LIST)
def list_configurations(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    f = wanted(params, "active", "is_default")
    items = rt.store.all(
        "billing_portal.configuration", lambda c: all(c[k] == v for k, v in f.items())
    )
    return paginate(rt, items, params, "/v1/billing_portal/configurations")


_FLOW_DATA = Hash(
    {
        "type": Str(
            choices=(
                "customer_update",
                "payment_method_update",
                "subscription_cancel",
                "subscription_pause",
                "subscription_update",
                "subscription_update_confirm",
            )
        ),
        "after_completion": Hash(
            {
                "type": Str(choices=("hosted_confirmation", "portal_homepage", "redirect")),
                "hosted_confirmation": Hash({"custom_message": Str(max_length=500)}),
                "redirect": Hash({"return_url": Url()}, required=("return_url",)),
            },
            required=("type",),
        ),
        "subscription_cancel": Hash(
            {"subscription": Str(max_length=255)},
            required=("subscription",),
            unsupported=("retention",),
        ),
        "subscription_pause": Hash(
            {"subscription": Str(max_length=255)}, required=("subscription",)
        ),
        "subscription_update": Hash(
            {"subscription": Str(max_length=255)}, required=("subscription",)
        ),
        "subscription_update_confirm": Hash(
            {
                "subscription": Str(max_length=255),
                "items": Array(
                    Hash(
                        {
                            "id": Str(max_length=255),
                            "price": Str(max_length=255),
                            "quantity": Int(minimum=1, maximum=999_999),
                        },
                        required=("id",),
                    ),
                    max_items=20,
                ),
            },
            required=("subscription", "items"),
            unsupported=("discounts",),
        ),
    },
    required=("type",),
)

SESSION_CREATE = endpoint(
    {
        "customer": Str(max_length=255),
        "return_url": Url(),
        "locale": Str(choices=PORTAL_LOCALES),
        "configuration": Str(max_length=255),
        "flow_data": _FLOW_DATA,
    },
    required=("customer",),
    unsupported=("after_expiration", "customer_account", "on_behalf_of"),
)


@api(bp, "/v1/billing_portal/sessions", "POST", SESSION_CREATE)
def create_portal_session(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    customer = rt.store.require("customer", params["customer"], param="customer", status=400)
    config = configuration_for(rt, params.get("configuration"))
    flow = check_flow(rt, config, customer, params.get("flow_data"))
    return_url = params.get("return_url") or config["default_return_url"]
    session, token = build_portal_session(
        rt,
        customer=customer["id"],
        configuration=config["id"],
        return_url=return_url,
        locale=params.get("locale"),
        flow=flow,
    )
    rt.store.insert(session)
    rt.store.private(session["id"])["token"] = token
    rt.store.internal.setdefault("_portal_tokens", {})[token] = session["id"]
    rt.emit("billing_portal.session.created", session)
    return rt.render(session)
