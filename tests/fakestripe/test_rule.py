"""The rule: a parameter or value the stand-in does not implement is refused with Stripe's error
shape and a message saying so, never accepted and dropped.

Every route's parameter table is walked against Stripe's own (stripe-python's request types,
generated from Stripe's OpenAPI spec): each parameter and enum value Stripe accepts is either
implemented or declared refused, and the stand-in invents none. Then every declared refusal is
sent to the server and must come back refused; and a handler that leaves an accepted parameter
unread makes the request fail instead of passing silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint

from fakestripe.api import blueprints
from fakestripe.api.base import ROUTES, api
from fakestripe.api.checkout_schema import Gone
from fakestripe.app import create_app
from fakestripe.config import Settings
from fakestripe.params import (
    Array,
    Bool,
    Field,
    Hash,
    Int,
    Metadata,
    Range,
    Str,
    endpoint,
)
from fakestripe.runtime import Runtime
from tests.fakestripe import stripe_tables
from tests.fakestripe.stripe_tables import Node

AUTH = {"Authorization": "Bearer sk_test_rule"}
# A route Stripe documents that stripe-python reaches otherwise: "list all refunds of a charge"
# takes the pagination parameters only.
PAGINATION_ONLY = {("GET", "/v1/charges/{}/refunds")}
REFUSAL_MARK = "fakestripe stand-in does not implement it"


def _routes() -> list[tuple[str, str, Hash]]:
    blueprints()  # importing the route modules registers them
    return [r for r in ROUTES if not r[1].startswith("/v1/_rule_test")]


def _stripe_table(method: str, rule: str) -> Node | None:
    if (method, stripe_tables.normalize(rule)) in PAGINATION_ONLY:
        keys = ("ending_before", "expand", "limit", "starting_after")
        return Node(children={k: Node(array=k == "expand") for k in keys})
    return stripe_tables.for_route(method, rule)


def _compare(  # noqa: PLR0911, PLR0912 - one branch per kind of field
    field: Field, node: Node, path: str, problems: list[str]
) -> None:
    if isinstance(field, Array) and not isinstance(field.item, Hash) and node.array:
        _compare(field.item, Node(values=node.values), f"{path}[]", problems)
        return
    if isinstance(field, Array):
        if not node.array:
            problems.append(f"{path}: an array here, Stripe's is not")
            return
        _compare(field.item, Node(children=node.children, values=node.values), path, problems)
        return
    if isinstance(field, (Range, Metadata)):
        return
    if isinstance(field, Hash):
        if not node.children and path:
            problems.append(f"{path}: a hash here, Stripe's is not")
            return
        # A parameter this API version removed is answered with Stripe's own error.
        gone = {k for k, f in field.fields.items() if isinstance(f, Gone)}
        known = set(field.fields) - gone | set(field.unsupported)
        for key in sorted(set(node.children) - known):
            problems.append(f"{path}[{key}]" if path else key)
        for key in sorted(known - set(node.children)):
            problems.append(f"{path or '<root>'}: {key} is not a Stripe parameter")
        for key, sub in field.fields.items():
            if key in node.children:
                _compare(sub, node.children[key], f"{path}[{key}]" if path else key, problems)
        return
    if node.children and not isinstance(field, Bool):
        problems.append(f"{path}: Stripe's is a hash, here a {type(field).__name__}")
        return
    if node.values and isinstance(field, Str) and field.refuse_others:
        unknown = set(field.choices or ()) - node.values
        if unknown:
            problems.append(f"{path}: {sorted(unknown)} are not Stripe values")
    elif node.values and isinstance(field, Str):
        implemented = set(field.choices or ())
        if not implemented:
            problems.append(f"{path}: Stripe has the values {sorted(node.values)}; not checked")
        unknown = (implemented | field.refused) - node.values
        if unknown:
            problems.append(f"{path}: {sorted(unknown)} are not Stripe values")
        missing = node.values - implemented - field.refused
        if missing:
            problems.append(f"{path}: values {sorted(missing)} neither implemented nor refused")
    elif node.values and isinstance(field, Int):
        missing = node.values - field.refused - set(getattr(field, "words", ()))
        if missing:
            problems.append(f"{path}: values {sorted(missing)} neither implemented nor refused")


def test_every_route_covers_stripes_parameter_table() -> None:
    problems: list[str] = []
    for method, rule, spec in _routes():
        node = _stripe_table(method, rule)
        if node is None:
            problems.append(f"{method} {rule}: not a Stripe route")
            continue
        found: list[str] = []
        _compare(spec, node, "", found)
        problems += [f"{method} {rule}: {p}" for p in found]
    assert problems == []


def _refusals(field: Field, path: str) -> Iterator[tuple[str, str]]:
    """(form key, value) pairs the stand-in must refuse as not implemented."""
    if isinstance(field, Array):
        yield from _refusals(field.item, f"{path}[0]")
        return
    if isinstance(field, Hash):
        for key in sorted(field.unsupported):
            yield (f"{path}[{key}]" if path else key, "1")
        for key, sub in field.fields.items():
            yield from _refusals(sub, f"{path}[{key}]" if path else key)
        return
    for value in sorted(field.refused):
        yield path, value
    if isinstance(field, Bool) and field.only is not None:
        yield path, "false" if field.only else "true"
    if isinstance(field, Str) and field.refuse_others:
        yield path, "not.a.value.here"


def _app() -> Any:
    return create_app(Runtime(Settings(port=0, tick_seconds=0, log_requests=False))).test_client()


def test_every_declared_refusal_is_refused_by_the_server() -> None:
    http = _app()
    checked = 0
    failures: list[str] = []
    for method, rule, spec in _routes():
        url = rule.replace("<", "").replace(">", "")
        for key, value in _refusals(spec, ""):
            body = urlencode({key: value})
            # The library sends GET and DELETE parameters in the query string.
            if method in {"GET", "DELETE"}:
                response = http.open(url, method=method, query_string=body, headers=AUTH)
            else:
                response = http.open(
                    url,
                    method=method,
                    data=body,
                    headers={**AUTH, "Content-Type": "application/x-www-form-urlencoded"},
                )
            error = response.get_json().get("error", {})
            if (
                response.status_code != 400
                or error.get("param") != key
                or REFUSAL_MARK not in error.get("message", "")
            ):
                failures.append(f"{method} {rule} {key}={value}: {response.status_code} {error}")
            checked += 1
    assert failures == []
    assert checked > 300


def test_a_parameter_accepted_but_never_read_fails_the_request() -> None:
    sloppy = Blueprint("rule_test", __name__)
    spec = endpoint({"used": Str(), "dropped": Str(), "nested": Hash({"deep": Str()})})

    @api(sloppy, "/v1/_rule_test", "POST", spec)
    def handler(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
        return {"object": "thing", "used": params.get("used"), "n": bool(params.get("nested"))}

    app = create_app(Runtime(Settings(port=0, tick_seconds=0, log_requests=False)))
    app.register_blueprint(sloppy)
    http = app.test_client()
    headers = {**AUTH, "Content-Type": "application/x-www-form-urlencoded"}
    fine = http.post("/v1/_rule_test", data="used=a", headers=headers)
    assert fine.status_code == 200
    dropped = http.post("/v1/_rule_test", data="used=a&dropped=b&nested[deep]=c", headers=headers)
    assert dropped.status_code == 500
    message = json.loads(dropped.data)["error"]["message"]
    assert "dropped" in message
    assert "nested[deep]" in message
    assert "used," not in message


def _samples(field: Field, path: str) -> list[tuple[str, str]]:  # noqa: PLR0911 - one per kind
    """A valid-looking form encoding of ``field`` (one pair per leaf)."""
    if isinstance(field, Hash):
        keys = list(field.required) or list(field.fields)[:1]
        return [pair for key in keys for pair in _samples(field.fields[key], f"{path}[{key}]")]
    if isinstance(field, Array):
        return _samples(field.item, f"{path}[0]")
    if isinstance(field, Range):
        return [(f"{path}[gte]", "1")]
    if isinstance(field, Bool):
        return [(path, "false" if field.only is False else "true")]
    if isinstance(field, Int):
        return [(path, str(max(field.minimum or 0, 1)))]
    if isinstance(field, Str) and field.choices:
        return [(path, field.choices[0])]
    return [(path, "x")]


def test_every_list_filter_is_read_even_when_nothing_matches() -> None:
    """A filter read only inside a per-object closure would look unused on an empty store."""
    http = _app()
    failures = []
    for method, rule, spec in _routes():
        if method != "GET":
            continue
        url = rule.replace("<", "").replace(">", "")
        for key, field in spec.fields.items():
            if key in {"expand", "limit", "starting_after", "ending_before"}:
                continue
            pairs = _samples(field, key)
            for required in spec.required:
                if required != key:
                    pairs += _samples(spec.fields[required], required)
            response = http.open(url, method="GET", query_string=urlencode(pairs), headers=AUTH)
            if response.status_code >= 500:
                failures.append(f"{rule} {pairs}: {response.get_json()}")
    assert failures == []
