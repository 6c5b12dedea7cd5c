"""The billing portal's rules: which configuration a session uses, what a ``flow_data`` may ask
for, and which prices a subscription may switch to. The actions themselves are in
:mod:`fakestripe.portal_actions`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe.errors import invalid
from fakestripe.objects.billing import subscription_items
from fakestripe.objects.portal import default_configuration

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

MANAGEABLE = ("active", "past_due", "unpaid", "trialing")


def session_for_token(rt: Runtime, token: str) -> dict[str, Any] | None:
    session_id = rt.store.internal.get("_portal_tokens", {}).get(token)
    return rt.store.get("billing_portal.session", session_id) if session_id else None


def configuration_for(rt: Runtime, config_id: str | None) -> dict[str, Any]:
    if config_id is None:
        config = default_configuration(rt)
        if not rt.store.private(config["id"]).get("edited"):
            # Until edited through the API, the default follows the server's setting.
            update = config["features"]["subscription_update"]
            update["proration_behavior"] = rt.settings.portal_proration_behavior
        return config
    config = rt.store.require(
        "billing_portal.configuration", config_id, param="configuration", status=400
    )
    if not config["active"]:
        raise invalid(f"The configuration {config_id} is not active.", param="configuration")
    return config


def configuration_of(rt: Runtime, session: dict[str, Any]) -> dict[str, Any]:
    return rt.store.get("billing_portal.configuration", session["configuration"]) or (
        default_configuration(rt)
    )


def feature(config: dict[str, Any], name: str) -> dict[str, Any]:
    return config["features"][name]


def customer_subscriptions(rt: Runtime, customer_id: str) -> list[dict[str, Any]]:
    return rt.store.all("subscription", lambda s: s["customer"] == customer_id)


def owned_subscription(
    rt: Runtime, customer_id: str, sub_id: str, *, param: str = "subscription"
) -> dict[str, Any]:
    sub = rt.store.get("subscription", sub_id)
    if sub is None or sub["customer"] != customer_id:
        raise invalid("That subscription does not belong to this customer.", param=param)
    if sub["status"] not in (*MANAGEABLE, "paused"):
        raise invalid(f"This subscription is {sub['status']}; it cannot be changed.", param=param)
    return sub


def switch_options(
    rt: Runtime, sub: dict[str, Any], config: dict[str, Any]
) -> list[dict[str, Any]]:
    """The prices ``sub`` may switch to: the configuration's products and prices (any active
    recurring price when it lists none), in the subscription's currency, not the current one."""
    update = feature(config, "subscription_update")
    if not update["enabled"] or sub["schedule"]:
        return []
    current = {i["price"] for i in subscription_items(rt, sub["id"])}
    allowed = None
    if update["products"] is not None:
        allowed = {price for entry in update["products"] for price in entry["prices"]}
    return [
        p
        for p in rt.store.all("price")
        if p["active"]
        and p["type"] == "recurring"
        and p["currency"] == sub["currency"]
        and p["id"] not in current
        and (allowed is None or p["id"] in allowed)
    ][::-1]


def _need(config: dict[str, Any], name: str) -> None:
    if not feature(config, name)["enabled"]:
        raise invalid(
            f"The portal configuration {config['id']} does not have the {name} feature enabled.",
            param="flow_data[type]",
        )


def check_flow(
    rt: Runtime,
    config: dict[str, Any],
    customer: dict[str, Any],
    data: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """Validate ``flow_data`` against the configuration and the customer's subscriptions;
    returns the session's ``flow`` object."""
    if not data:
        return None
    kind = data["type"]
    after = data.get("after_completion") or {"type": "portal_homepage"}
    flow: dict[str, Any] = {
        "after_completion": {
            "hosted_confirmation": {
                "custom_message": (after.get("hosted_confirmation") or {}).get("custom_message")
            }
            if after["type"] == "hosted_confirmation"
            else None,
            "redirect": {"return_url": after["redirect"]["return_url"]}
            if after["type"] == "redirect"
            else None,
            "type": after["type"],
        },
        "customer_update": None,
        "subscription_cancel": None,
        "subscription_pause": None,
        "subscription_update": None,
        "subscription_update_confirm": None,
        "type": kind,
    }
    if after["type"] == "redirect" and "redirect" not in after:
        raise invalid(
            "Missing required param: flow_data[after_completion][redirect].",
            param="flow_data[after_completion][redirect]",
            code="parameter_missing",
        )
    for other in ("subscription_cancel", "subscription_pause", "subscription_update",
                  "subscription_update_confirm"):  # fmt: skip
        if other in data and other != kind:
            raise invalid(
                f"flow_data[{other}] does not go with flow_data[type]={kind}.",
                param=f"flow_data[{other}]",
            )
    if kind in {"payment_method_update", "customer_update"}:
        _need(config, kind)
        if kind == "customer_update":
            flow["customer_update"] = {}
        return flow
    if kind not in data:
        raise invalid(
            f"Missing required param: flow_data[{kind}].",
            param=f"flow_data[{kind}]",
            code="parameter_missing",
        )
    feature_name = "subscription_update" if kind == "subscription_update_confirm" else kind
    _need(config, feature_name)
    flow[kind] = _subscription_flow(rt, config, customer, kind, data[kind])
    return flow


def _subscription_flow(
    rt: Runtime,
    config: dict[str, Any],
    customer: dict[str, Any],
    kind: str,
    details: dict[str, Any],
) -> dict[str, Any]:
    param = f"flow_data[{kind}][subscription]"
    sub = owned_subscription(rt, customer["id"], details["subscription"], param=param)
    if kind == "subscription_cancel":
        if sub["cancel_at"] is not None:
            raise invalid("This subscription is already set to be canceled.", param=param)
        return {"retention": None, "subscription": sub["id"]}
    if kind == "subscription_pause":
        if sub["status"] != "active":
            raise invalid("Only an active subscription can be paused.", param=param)
        return {"subscription": sub["id"]}
    if kind == "subscription_update":
        if not switch_options(rt, sub, config):
            raise invalid("This subscription has no other prices to update to.", param=param)
        return {"subscription": sub["id"]}
    return {
        "discounts": None,
        "items": _confirm_items(rt, sub, config, details["items"]),
        "subscription": sub["id"],
    }


def _confirm_items(
    rt: Runtime, sub: dict[str, Any], config: dict[str, Any], items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    existing = {i["id"]: i for i in subscription_items(rt, sub["id"])}
    options = {p["id"] for p in switch_options(rt, sub, config)}
    confirmed = []
    for index, item in enumerate(items):
        path = f"flow_data[subscription_update_confirm][items][{index}]"
        current = existing.get(item["id"])
        if current is None:
            raise invalid(f"The subscription has no item {item['id']}.", param=f"{path}[id]")
        price = item.get("price", current["price"])
        if price != current["price"] and price not in options:
            raise invalid(
                "That price is not one the portal configuration allows.", param=f"{path}[price]"
            )
        quantity = item.get("quantity", current["quantity"])
        if quantity != current["quantity"]:
            raise invalid(
                "The portal configuration does not allow changing quantities.",
                param=f"{path}[quantity]",
            )
        confirmed.append({"id": item["id"], "price": price, "quantity": quantity})
    return confirmed
