"""Garbage in, Stripe-shaped errors out: every route of the real server (taken from the Flask
url_map) gets random bytes, wrong types, huge values, deep nesting, missing parameters and
unknown ids. Every answer must be JSON (API and control routes) or an HTML page (hosted
routes), never a crash (no 5xx), and the server must stay up."""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests

from fakestripe.app import create_app, is_hosted
from fakestripe.config import Settings
from fakestripe.control import FakeStripeControl
from fakestripe.runtime import Runtime
from fakestripe.testing import running_server

pytestmark = pytest.mark.stripe

ROUNDS_PER_ROUTE = 6
API_KEY = "sk_test_fuzz"

JUNK_VALUES: list[Any] = [
    "",
    "x" * 70_000,
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "nan",
    "true",
    "null",
    "é✓\u0000\ufffd",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "{CHECKOUT_SESSION_ID}",
    "http://",
    "price_doesnotexist",
    "cus_doesnotexist",
]

FIELD_NAMES = [
    "name", "email", "customer", "price", "amount", "unit_amount", "currency", "mode",
    "line_items", "items", "metadata", "expand", "limit", "starting_after", "ending_before",
    "recurring", "product", "product_data", "price_data", "quantity", "success_url",
    "subscription", "proration_behavior", "proration_date", "pause_collection",
    "cancel_at_period_end", "charge", "payment_intent", "url", "enabled_events", "type",
    "created", "status", "days", "seconds", "to", "card", "order", "duplicates", "concurrent",
    "timeout", "reason", "authenticate", "subscription_details", "action", "token",
]  # fmt: skip


def _routes() -> list[tuple[str, str]]:
    app = create_app(Runtime(Settings()))
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, rule.rule))
    return routes


def _random_key(rng: random.Random) -> str:
    name = rng.choice([*FIELD_NAMES, "".join(rng.choices(string.printable, k=8))])
    depth = rng.randint(0, 12 if rng.random() < 0.1 else 3)
    parts = [rng.choice(["", "0", "1", "99999999999", "a", "price", "-1"]) for _ in range(depth)]
    return name + "".join(f"[{p}]" for p in parts)


def _random_value(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(JUNK_VALUES)
    return "".join(rng.choices(string.printable, k=rng.randint(0, 40)))


def _bodies(
    rng: random.Random, known_ids: list[str]
) -> Iterator[tuple[bytes | str, dict[str, str]]]:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    as_json = {"Content-Type": "application/json"}
    yield b"", form
    yield bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 400))), form
    yield "&".join(f"a{'[x]' * 20}={i}" for i in range(5)), form
    yield "expand[]=" + "&expand[]=".join(["data.customer.x.y.z"] * 30), form
    yield "items[0][price]=x&items[0]=y&metadata=z&metadata[k]=v", form
    yield json.dumps({"card": [1, 2], "days": {"x": 1}, "order": None, "seconds": "inf"}), as_json
    yield json.dumps([1, 2, 3]), as_json
    yield "{not json", as_json
    yield json.dumps({"days": 10**9, "timeout": 0.1, "duplicates": 10**6}), as_json
    for _ in range(ROUNDS_PER_ROUTE):
        pairs = [(_random_key(rng), _random_value(rng)) for _ in range(rng.randint(0, 12))]
        if known_ids and rng.random() < 0.5:
            pairs.append((rng.choice(FIELD_NAMES), rng.choice(known_ids)))
        yield "&".join(f"{quote(k, safe='[]')}={quote(v)}" for k, v in pairs), form


def _paths(rule: str, rng: random.Random, known_ids: list[str]) -> list[str]:
    candidates = [*known_ids, "x", "cus_" + "9" * 300, "%00", "é", "..", "%2F..%2F"]
    paths = []
    for _ in range(2):
        paths.append(re.sub(r"<[^>]+>", lambda _: quote(rng.choice(candidates), safe="%"), rule))
    return paths


def _seed(base: str) -> list[str]:
    """A few real objects, so fuzzed requests also reach code behind the id lookups."""
    http = requests.Session()
    http.auth = (API_KEY, "")
    product = http.post(f"{base}/v1/products", data={"name": "Fuzz"}, timeout=5).json()
    price = http.post(
        f"{base}/v1/prices",
        data={
            "product": product["id"],
            "unit_amount": "500",
            "currency": "eur",
            "recurring[interval]": "month",
        },
        timeout=5,
    ).json()
    session = http.post(
        f"{base}/v1/checkout/sessions",
        data={
            "mode": "subscription",
            "line_items[0][price]": price["id"],
            "line_items[0][quantity]": "1",
            "success_url": "https://site.test/ok",
            "customer_email": "f@example.com",
        },
        timeout=5,
    ).json()
    open_session = http.post(
        f"{base}/v1/checkout/sessions",
        data={
            "mode": "payment",
            "line_items[0][price_data][currency]": "eur",
            "line_items[0][price_data][unit_amount]": "900",
            "line_items[0][price_data][product_data][name]": "Gift",
            "line_items[0][quantity]": "1",
            "success_url": "https://site.test/ok",
        },
        timeout=5,
    ).json()
    control = FakeStripeControl(base)
    control.pay_checkout_session(session["id"])
    done = http.get(f"{base}/v1/checkout/sessions/{session['id']}", timeout=5).json()
    invoice = http.get(f"{base}/v1/invoices/{done['invoice']}", timeout=5).json()
    charges = http.get(f"{base}/v1/charges", timeout=5).json()["data"]
    portal = http.post(
        f"{base}/v1/billing_portal/sessions", data={"customer": done["customer"]}, timeout=5
    ).json()
    events = http.get(f"{base}/v1/events", timeout=5).json()["data"]
    return [
        product["id"],
        price["id"],
        session["id"],
        open_session["id"],
        done["customer"],
        done["subscription"],
        invoice["id"],
        charges[0]["id"],
        charges[0]["payment_intent"],
        portal["url"].rsplit("/", 1)[1],
        events[0]["id"],
    ]


def _check(response: requests.Response, method: str, path: str) -> None:
    where = f"{method} {path} -> {response.status_code}"
    assert response.status_code < 500, f"{where}: {response.text[:500]}"
    if is_hosted(path.split("?", maxsplit=1)[0]):
        if 300 <= response.status_code < 400:
            assert response.headers.get("Location"), where
        else:
            assert response.headers["Content-Type"].startswith("text/html"), where
        return
    assert response.headers["Content-Type"].startswith("application/json"), where
    body = response.json()
    assert isinstance(body, dict), where
    if response.status_code >= 400:
        error = body["error"]
        assert error["type"] in {"invalid_request_error", "card_error", "idempotency_error"}, where
        assert isinstance(error["message"], str), where
        assert error["message"], where


def _send(
    http: requests.Session, base: str, case: tuple[str, str, Any, dict[str, str], Any]
) -> None:
    method, path, body, headers, auth = case
    response = http.request(
        method,
        base + path,
        data=body if method != "GET" else None,
        params=body if method == "GET" and isinstance(body, str) else None,
        headers=headers,
        auth=auth,
        allow_redirects=False,
        timeout=60,
    )
    _check(response, method, path)


def test_garbage_never_crashes_the_server(tmp_path: Any) -> None:
    rng = random.Random(20_26)
    routes = _routes()
    assert len(routes) > 60
    with running_server(
        data_dir=tmp_path, delivery_timeout=0.5, retry_attempts=1, tick_seconds=0
    ) as base:
        known_ids = _seed(base)
        cases = [
            (
                method,
                path,
                body,
                {**headers, "Idempotency-Key": rng.choice(["", "k1", "k2"])},
                rng.choice([(API_KEY, ""), (API_KEY, ""), None, ("pk_live_x", "")]),
            )
            for method, rule in routes
            for path in _paths(rule, rng, known_ids)
            for body, headers in _bodies(rng, known_ids)
        ]
        http = requests.Session()
        for case in cases:
            _send(http, base, case)
        too_big = requests.post(
            f"{base}/v1/customers", data=b"x" * (2 << 20), auth=(API_KEY, ""), timeout=30
        )
        assert too_big.status_code == 413
        assert too_big.json()["error"]["type"] == "invalid_request_error"
        assert FakeStripeControl(base).health()["status"] == "ok"
        assert len(cases) > 2000
