"""The contract: every object the stand-in returns has the keys of Stripe's own fixture of its
type (``fakestripe/fixtures3.json``) and the same value types where both are not null,
recursively; nested objects of another type are checked against their own fixture."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import stripe

from fakestripe.control import FakeStripeControl
from fakestripe.fixtures import FIXTURES_PATH
from tests.fakestripe.conftest import API_KEY
from tests.fakestripe.helpers import make_price, period_end, settle, subscribe
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe

FIXTURES: dict[str, Any] = json.loads(FIXTURES_PATH.read_text(encoding="utf-8"))["resources"]

ERROR_KEYS = {
    "code",
    "decline_code",
    "doc_url",
    "message",
    "charge",
    "payment_method",
    "param",
    "advice_code",
}

# Keys today's API returns that the fixture snapshot lacks (docs/stripe-events.md), by
# (object type, dotted path inside it). Nothing else may be added.
EXTRA_KEYS: dict[tuple[str, str], set[str]] = {
    ("line_item", "pricing"): {"price_details"},
    ("invoice_payment", "payment"): {"payment_intent"},
    ("event", "data"): {"previous_attributes"},
    ("invoice", ""): {"payments", "status_details"},
    ("subscription", ""): {"status_details"},
    ("subscription_schedule", ""): {"pause_schedules"},
    ("billing_portal.configuration", "features"): {"subscription_pause"},
    ("billing_portal.configuration", "features.subscription_update"): {"products"},
    ("billing_portal.configuration", "features.subscription_cancel.cancellation_reason"): {
        "feedback_options"
    },
    ("billing_portal.session", "flow"): {"customer_update", "subscription_pause"},
    ("invoiceitem", "pricing"): {"price_details"},
    ("invoiceitem", "parent.subscription_details"): {"subscription_item"},
    ("checkout.session", ""): {"line_items"},
    ("webhook_endpoint", ""): {"secret"},
    ("payment_intent", "last_payment_error"): ERROR_KEYS,
    ("setup_intent", "last_setup_error"): ERROR_KEYS,
}

REQUIRED_TYPES = {
    "product",
    "price",
    "plan",
    "customer",
    "payment_method",
    "checkout.session",
    "item",
    "subscription",
    "subscription_item",
    "invoice",
    "line_item",
    "invoice_payment",
    "payment_intent",
    "charge",
    "balance_transaction",
    "refund",
    "dispute",
    "billing_portal.session",
    "event",
    "webhook_endpoint",
    "list",
    "deleted_product",
    "deleted_customer",
    "deleted_webhook_endpoint",
    "subscription_schedule",
    "invoiceitem",
    "deleted_invoiceitem",
    "billing_portal.configuration",
    "setup_intent",
    "customer_balance_transaction",
    "balance",
    "coupon",
    "deleted_coupon",
    "promotion_code",
    "discount",
    "deleted_discount",
    "test_helpers.test_clock",
    "deleted_test_helpers.test_clock",
}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return type(value).__name__


class Contract:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.seen: set[str] = set()

    def check(self, obj: dict[str, Any], where: str) -> None:
        kind = obj.get("object")
        if kind == "list":
            self.seen.add("list")
            keys = set(obj)
            if keys != {"object", "data", "has_more", "url"}:
                self.problems.append(f"{where}: list keys {sorted(keys)}")
            for index, item in enumerate(obj.get("data", [])):
                self.check(item, f"{where}.data[{index}]")
            return
        if obj.get("deleted") is True:
            kind = f"deleted_{kind}"
        if kind not in FIXTURES:
            self.problems.append(f"{where}: no fixture for object type {kind!r}")
            return
        self.seen.add(str(kind))
        self._compare(obj, FIXTURES[kind], str(kind), "", where)

    def _compare(self, value: Any, template: Any, kind: str, path: str, where: str) -> None:
        if value is None or template is None:
            return
        if path and isinstance(value, dict) and isinstance(value.get("object"), str):
            # Embedded objects (items, lines, an expanded id, an event's data.object) are
            # checked against the fixture of their own type.
            self.check(value, f"{where}.{path}")
            return
        if isinstance(template, dict):
            self._compare_hash(value, template, kind, path, where)
        elif isinstance(template, list):
            if not isinstance(value, list):
                self.problems.append(f"{where}: {kind}.{path} should be a list")
                return
            for index, item in enumerate(value):
                if template:
                    self._compare(item, template[0], kind, f"{path}[{index}]".lstrip("."), where)
                elif isinstance(item, dict) and isinstance(item.get("object"), str):
                    self.check(item, f"{where}.{path}[{index}]")
        elif _json_type(value) != _json_type(template):
            self.problems.append(
                f"{where}: {kind}.{path} is {_json_type(value)}, fixture has {_json_type(template)}"
            )

    def _compare_hash(
        self, value: Any, template: dict[str, Any], kind: str, path: str, where: str
    ) -> None:
        if not isinstance(value, dict):
            self.problems.append(f"{where}: {kind}.{path} should be a hash")
            return
        if not template or path.rsplit(".", maxsplit=1)[-1] in {"metadata", "previous_attributes"}:
            return  # free-form hash
        generic = ".".join(p.split("[")[0] for p in path.split(".")) if path else ""
        allowed = EXTRA_KEYS.get((kind, generic), set())
        missing = set(template) - set(value)
        extra = set(value) - set(template) - allowed
        if missing:
            self.problems.append(f"{where}: {kind}.{path or '<root>'} lacks {sorted(missing)}")
        if extra:
            self.problems.append(f"{where}: {kind}.{path or '<root>'} has extra {sorted(extra)}")
        for key in set(template) & set(value):
            self._compare(value[key], template[key], kind, f"{path}.{key}".lstrip("."), where)


def _scenario(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> dict[str, str]:
    """Make the stand-in produce every object type, including failures and deletions."""
    price = make_price(client, amount=1200, name="Supporter")
    other = make_price(client, amount=2400, name="Patron")
    good = subscribe(client, control, price, subscription_data={"metadata": {"k": "v"}})
    failing = subscribe(client, control, price, card="4000000000000341")
    control.advance(to=period_end(good) + 60)
    item = good["items"]["data"][0]["id"]
    client.v1.subscriptions.update(
        good.id,
        params={"items": [{"id": item, "price": other.id}], "proration_behavior": "always_invoice"},
    )
    client.v1.subscriptions.update(good.id, params={"cancel_at_period_end": True})
    client.v1.subscriptions.update(failing.id, params={"pause_collection": {"behavior": "void"}})
    one_time = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": 5000,
                        "product_data": {"name": "Gift"},
                    },
                    "quantity": 1,
                }
            ],
            "customer_creation": "always",
            "customer_email": "gift@example.com",
            "success_url": "https://site.test/ok",
        }
    )
    control.pay_checkout_session(one_time.id)
    pi_id = client.v1.checkout.sessions.retrieve(one_time.id).payment_intent
    charge_id = client.v1.payment_intents.retrieve(pi_id).latest_charge
    client.v1.refunds.create(params={"charge": charge_id, "amount": 1000})
    invoice = client.v1.invoices.retrieve(good.latest_invoice, params={"expand": ["payments"]})
    first_pi = client.v1.payment_intents.retrieve(invoice.payments.data[0].payment.payment_intent)
    dispute = control.create_dispute(first_pi.latest_charge)
    control.close_dispute(dispute["id"], "lost")
    client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "https://site.test/ok",
        }
    )
    control.advance(days=40)
    fresh = subscribe(client, control, other)
    schedule = client.v1.subscription_schedules.create(params={"from_subscription": fresh.id})
    phase = schedule.phases[0]
    client.v1.subscription_schedules.update(
        schedule.id,
        params={
            "phases": [
                {"items": [{"price": other.id}], "start_date": phase.start_date,
                 "end_date": phase.end_date},
                {"items": [{"price": price.id}]},
            ]
        },
    )  # fmt: skip
    client.v1.invoice_items.create(
        params={"customer": fresh.customer, "amount": 100, "currency": "eur"}
    )
    client.v1.setup_intents.create(params={"customer": fresh.customer})
    client.v1.setup_intents.create(
        params={"customer": fresh.customer, "payment_method": "pm_card_visa", "confirm": True}
    )
    with pytest.raises(stripe.CardError):
        client.v1.setup_intents.create(
            params={"customer": fresh.customer, "payment_method": "pm_card_chargeDeclined",
                    "confirm": True}
        )  # fmt: skip
    settle(control, receiver)
    return {"good": good.id, "fresh": fresh.id, "session": one_time.id, "item": item}


def test_every_returned_object_matches_its_fixture(
    client: stripe.StripeClient,
    control: FakeStripeControl,
    receiver: WebhookReceiver,
    server: str,
) -> None:
    ids = _scenario(client, control, receiver)
    http = requests.Session()
    http.auth = (API_KEY, "")

    def get(path: str, **params: Any) -> dict[str, Any]:
        response = http.get(f"{server}{path}", params=params, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def post(path: str, data: dict[str, Any], method: str = "POST") -> dict[str, Any]:
        response = http.request(method, f"{server}{path}", data=data, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    contract = Contract()
    everything = {
        "products": get("/v1/products", limit=100),
        "prices": get("/v1/prices", limit=100, **{"expand[]": "data.product"}),
        "customers": get("/v1/customers", limit=100),
        "payment_methods": get("/v1/payment_methods", limit=100),
        "sessions": get(
            "/v1/checkout/sessions",
            limit=100,
            **{"expand[]": ["data.line_items", "data.subscription", "data.invoice"]},
        ),
        "session_items": get(f"/v1/checkout/sessions/{ids['session']}/line_items"),
        "subscriptions": get(
            "/v1/subscriptions",
            status="all",
            **{"expand[]": ["data.latest_invoice", "data.customer", "data.default_payment_method"]},
        ),
        "items": get("/v1/subscription_items", subscription=ids["good"]),
        "item": get(f"/v1/subscription_items/{ids['item']}"),
        "invoices": get("/v1/invoices", limit=100, **{"expand[]": "data.payments"}),
        "invoice_payments": get("/v1/invoice_payments", limit=100),
        "payment_intents": get(
            "/v1/payment_intents", limit=100, **{"expand[]": "data.latest_charge"}
        ),
        "charges": get("/v1/charges", limit=100, **{"expand[]": "data.balance_transaction"}),
        "balance_transactions": get("/v1/balance_transactions", limit=100),
        "refunds": get("/v1/refunds"),
        "disputes": get("/v1/disputes"),
        "events": get("/v1/events", limit=100),
        "endpoints": get("/v1/webhook_endpoints"),
        "schedules": get("/v1/subscription_schedules", **{"expand[]": "data.subscription"}),
        "invoice_items": get("/v1/invoiceitems"),
        "setup_intents": get("/v1/setup_intents", **{"expand[]": "data.payment_method"}),
        "preview": post(
            "/v1/invoices/create_preview",
            {
                "subscription": ids["fresh"],
                "subscription_details[items][0][id]": get(
                    "/v1/subscription_items", subscription=ids["fresh"]
                )["data"][0]["id"],
                "subscription_details[items][0][quantity]": "2",
            },
        ),
        "portal": post(
            "/v1/billing_portal/sessions",
            {"customer": get("/v1/customers")["data"][0]["id"], "return_url": "https://s.test"},
        ),
        "portal_flow": post(
            "/v1/billing_portal/sessions",
            {
                "customer": client.v1.subscriptions.retrieve(ids["fresh"]).customer,
                "flow_data[type]": "subscription_cancel",
                "flow_data[subscription_cancel][subscription]": ids["fresh"],
                "flow_data[after_completion][type]": "redirect",
                "flow_data[after_completion][redirect][return_url]": "https://s.test/done",
            },
        ),
        "endpoint": post(
            "/v1/webhook_endpoints",
            {"url": "https://hooks.test/x", "enabled_events[0]": "charge.refunded"},
        ),
    }
    everything["portal_configurations"] = get("/v1/billing_portal/configurations")
    first_customer = get("/v1/customers")["data"][0]["id"]
    post(
        f"/v1/customers/{first_customer}/balance_transactions",
        {"amount": "-500", "currency": "eur", "description": "Goodwill"},
    )
    everything["customer_balance"] = get(f"/v1/customers/{first_customer}/balance_transactions")
    everything["balance"] = get("/v1/balance")
    coupon = post("/v1/coupons", {"percent_off": "20", "duration": "forever", "name": "Friends"})
    post("/v1/promotion_codes", {"promotion[type]": "coupon", "promotion[coupon]": coupon["id"]})
    discounted = post(
        f"/v1/subscriptions/{ids['fresh']}",
        {"discounts[0][coupon]": coupon["id"], "expand[]": "discounts"},
    )
    everything["discounted"] = discounted
    everything["discounted_preview"] = post(
        "/v1/invoices/create_preview", {"subscription": ids["fresh"]}
    )
    everything["promotion_codes"] = get("/v1/promotion_codes")
    everything["coupons"] = get("/v1/coupons")
    everything["deleted_discount"] = post(
        f"/v1/subscriptions/{ids['fresh']}/discount", {}, "DELETE"
    )
    everything["deleted_coupon"] = post(f"/v1/coupons/{coupon['id']}", {}, "DELETE")
    clock = post("/v1/test_helpers/test_clocks", {"frozen_time": str(control.now())})
    everything["advancing_clock"] = post(
        f"/v1/test_helpers/test_clocks/{clock['id']}/advance",
        {"frozen_time": str(control.now() + 3600)},
    )
    everything["clocks"] = get("/v1/test_helpers/test_clocks")
    everything["deleted_clock"] = post(f"/v1/test_helpers/test_clocks/{clock['id']}", {}, "DELETE")
    everything["deleted_endpoint"] = post(
        f"/v1/webhook_endpoints/{everything['endpoint']['id']}", {}, "DELETE"
    )
    product = post("/v1/products", {"name": "Temporary"})
    everything["deleted_product"] = post(f"/v1/products/{product['id']}", {}, "DELETE")
    item = post(
        "/v1/invoiceitems",
        {"customer": get("/v1/customers")["data"][0]["id"], "amount": "5", "currency": "eur"},
    )
    everything["deleted_invoice_item"] = post(f"/v1/invoiceitems/{item['id']}", {}, "DELETE")
    customer = post("/v1/customers", {"email": "gone@example.com"})
    everything["deleted_customer"] = post(f"/v1/customers/{customer['id']}", {}, "DELETE")
    for name, obj in everything.items():
        contract.check(obj, name)
    for index, event in enumerate(receiver.events):
        contract.check(event, f"webhook[{index}]")

    assert contract.problems == []
    assert contract.seen >= REQUIRED_TYPES, REQUIRED_TYPES - contract.seen
    event_types = {e["type"] for e in everything["events"]["data"]} | set(receiver.types())
    assert "invoice.upcoming" in event_types
    assert "customer.subscription.deleted" in event_types


def test_contract_checker_catches_drift() -> None:
    contract = Contract()
    product = {**FIXTURES["product"], "colour": "red"}
    del product["name"]
    product["active"] = "yes"
    contract.check(product, "drift")
    assert any("lacks ['name']" in p for p in contract.problems)
    assert any("extra ['colour']" in p for p in contract.problems)
    assert any("product.active is str" in p for p in contract.problems)
