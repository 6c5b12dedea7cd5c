"""What every ``/v1`` route shares: parameter parsing and validation, the store lock, the
request context for events, ``Idempotency-Key`` replay, ``expand[]`` and JSON responses."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, current_app, g, request

from fakestripe import API_VERSION
from fakestripe.context import RequestInfo, request_scope
from fakestripe.errors import StripeError, api_error, invalid
from fakestripe.expand import expand
from fakestripe.form import parse_form
from fakestripe.objects import list_object
from fakestripe.params import Hash, in_range
from fakestripe.test_clocks import request_clock
from fakestripe.test_clocks import scope as clock_scope
from fakestripe.tracking import Params

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

Handler = Callable[..., dict[str, Any]]

# Every /v1 route with its parameter table: (HTTP method, Flask rule, schema).
ROUTES: list[tuple[str, str, Hash]] = []

log = logging.getLogger("fakestripe.api")

IDEMPOTENCY_TTL = 24 * 3600
DAY = 86_400


def runtime() -> Runtime:
    return current_app.extensions["fakestripe"]


def json_response(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    response = Response(json.dumps(body, indent=2), status=status, mimetype="application/json")
    response.headers["Request-Id"] = getattr(g, "request_id", "")
    response.headers["Stripe-Version"] = request.headers.get("Stripe-Version") or API_VERSION
    if status >= 400:
        # Our errors are deterministic; tell the library not to retry them.
        response.headers["Stripe-Should-Retry"] = "false"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error_response(exc: StripeError) -> Response:
    return json_response(exc.to_dict(getattr(g, "request_id", None)), exc.status)


# --- authentication -----------------------------------------------------------------------

_NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)


def authenticate() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.partition(" ")
    key = ""
    if scheme.lower() == "bearer":
        key = credential.strip()
    elif scheme.lower() == "basic":
        try:
            key = base64.b64decode(credential.strip()).decode("utf-8").split(":", 1)[0]
        except (binascii.Error, UnicodeDecodeError):
            key = ""
    if not header or not key:
        raise StripeError(_NO_KEY, status=401)
    if not key.startswith(("sk_test_", "rk_test_")) or len(key) <= len("sk_test_"):
        masked = key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else "****"
        raise StripeError(f"Invalid API Key provided: {masked}", status=401, code="api_key_invalid")
    return key


# --- parameters ---------------------------------------------------------------------------


def request_params() -> dict[str, Any]:
    params = parse_form(request.query_string.decode("utf-8", "replace"))
    if request.method == "POST":
        body = request.get_data(cache=True).decode("utf-8", "replace")
        params.update(parse_form(body))
    return params


# --- idempotency --------------------------------------------------------------------------


def _idempotency_lookup(
    rt: Runtime, key: str, fingerprint: dict[str, Any]
) -> dict[str, Any] | None:
    store_key = f"{g.api_key}:{key}"
    record = rt.store.idempotency.get(store_key)
    if record is None:
        return None
    if rt.now() - record["created"] > IDEMPOTENCY_TTL:
        del rt.store.idempotency[store_key]
        return None
    if record["fingerprint"] != fingerprint:
        raise StripeError(
            "Keys for idempotent requests can only be used with the same parameters they were "
            f"first used with. Try using a key other than '{key}' if you meant to execute a "
            "different request.",
            type_="idempotency_error",
            status=400,
        )
    return record


def _idempotency_save(
    rt: Runtime, key: str, fingerprint: dict[str, Any], status: int, body: dict[str, Any]
) -> None:
    rt.store.idempotency[f"{g.api_key}:{key}"] = {
        "fingerprint": fingerprint,
        "status": status,
        "body": body,
        "request_id": g.request_id,
        "created": rt.now(),
    }
    rt.store.mark_dirty()


# --- route decorator ----------------------------------------------------------------------


def api(bp: Blueprint, rule: str, method: str, spec: Hash) -> Callable[[Handler], Handler]:
    """Register ``handler(rt, params, **path_args) -> object`` as a Stripe API route."""

    def register(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def view(**path_args: Any) -> Response:
            rt = runtime()
            raw = request_params()
            key = request.headers.get("Idempotency-Key") if method == "POST" else None
            if key is not None and len(key) > 255:
                raise invalid("Idempotency-Key must be at most 255 characters", param=None)
            fingerprint = {"path": request.path, "params": raw}
            with rt.store.lock:
                if key:
                    record = _idempotency_lookup(rt, key, fingerprint)
                    if record is not None:
                        return json_response(
                            record["body"],
                            record["status"],
                            {
                                "Idempotent-Replayed": "true",
                                "Original-Request": record["request_id"],
                                "Idempotency-Key": key,
                            },
                        )
                params = spec.check(raw, "")
                expand_paths = params.pop("expand", [])
                clock = request_clock(rt, path_args, raw)
                try:
                    with request_scope(RequestInfo(g.request_id, key)), clock_scope(rt, clock):
                        result = handler(rt, params, **path_args)
                        _refuse_unread(params)
                        if expand_paths:
                            result = expand(rt, result, expand_paths)
                    status, body = 200, result
                except StripeError as exc:
                    # Stripe stores the outcome once execution has begun, except for requests
                    # rejected as invalid, which may be retried with the same key.
                    if not key or exc.status in {400, 401, 404, 409, 429}:
                        raise
                    status, body = exc.status, exc.to_dict(g.request_id)
                if key:
                    _idempotency_save(rt, key, fingerprint, status, body)
            headers = {"Idempotency-Key": key} if key else {}
            return json_response(body, status, headers)

        ROUTES.append((method, rule, spec))
        bp.add_url_rule(
            rule,
            endpoint=f"{method.lower()}_{handler.__name__}",
            view_func=view,
            methods=[method],
        )
        return handler

    return register


def _refuse_unread(params: Params) -> None:
    """The rule's safety net: a parameter the handler accepted but never looked at would be
    silently dropped. That is a stand-in bug, reported as one (Stripe's 500 shape)."""
    unread = params.unread()
    if unread:
        log.error(
            "fakestripe: %s %s accepted but did not use %s", request.method, request.path, unread
        )
        raise api_error(
            "fakestripe accepted but did not use these parameters (a stand-in bug; nothing "
            "should be accepted and ignored): " + ", ".join(unread)
        )


# --- lists --------------------------------------------------------------------------------


def paginate(
    rt: Runtime, items: list[dict[str, Any]], params: dict[str, Any], url: str
) -> dict[str, Any]:
    """Stripe pagination over ``items`` (already newest first)."""
    created = params.get("created")
    items = [i for i in items if in_range(i.get("created") or 0, created)]
    limit = params.get("limit", 10)
    after, before = params.get("starting_after"), params.get("ending_before")
    if after and before:
        raise invalid(
            "You may only specify one of these parameters: ending_before, starting_after.",
            param="ending_before",
            code="parameters_exclusive",
        )
    if after or before:
        cursor_id = after or before
        cursor = rt.store.find(cursor_id)
        if cursor is None:
            raise invalid(
                f"No such object: '{cursor_id}'",
                param="starting_after" if after else "ending_before",
                code="resource_missing",
            )
        cursor_key = (cursor.get("created") or 0, rt.store.seq.get(cursor_id, 0))

        def sort_key(obj: dict[str, Any]) -> tuple[int, int]:
            return (obj.get("created") or 0, rt.store.seq.get(obj["id"], 0))

        if after:
            older = [i for i in items if sort_key(i) < cursor_key]
            page, has_more = older[:limit], len(older) > limit
        else:
            newer = [i for i in items if sort_key(i) > cursor_key]
            page, has_more = newer[-limit:], len(newer) > limit
    else:
        page, has_more = items[:limit], len(items) > limit
    return list_object([rt.render(i) for i in page], url, has_more)


def retrieve(rt: Runtime, type_: str, object_id: str) -> dict[str, Any]:
    return rt.render(rt.store.require(type_, object_id))
