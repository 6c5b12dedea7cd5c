"""``/_control``: what tests and tooling use to drive the stand-in (no Stripe equivalent).

Bodies are JSON; answers are JSON; failures use the same error shape as the API.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, request

from fakestripe import API_VERSION, __version__
from fakestripe.api.base import json_response, runtime
from fakestripe.billing_engine import advance, process_due
from fakestripe.cards import card_for, normalize
from fakestripe.charging import close_dispute, open_dispute
from fakestripe.checkout_flow import (
    AuthenticationRequired,
    CardEntry,
    ensure_open,
    pay_session,
    success_redirect,
)
from fakestripe.completion import run_completion
from fakestripe.errors import invalid
from fakestripe.events import endpoint_wants
from fakestripe.objects.misc import build_webhook_endpoint
from fakestripe.test_clocks import clock_for
from fakestripe.test_clocks import scope as clock_scope
from fakestripe.webhooks import RELEASE_ORDERS

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("control", __name__, url_prefix="/_control")

DAY = 86_400
MAX_WAIT_SECONDS = 120
# One advance may cover years of monthly renewals, but not centuries of them.
MAX_ADVANCE_SECONDS = 5 * 366 * DAY
DISPUTE_REASONS = (
    "bank_cannot_process",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
)


def body() -> dict[str, Any]:
    data = request.get_json(silent=True) if request.data else None
    if data is None:
        data = request.form.to_dict() if request.form else {}
    if not isinstance(data, dict):
        raise invalid("The request body must be a JSON object.")
    return data


def _int(
    data: dict[str, Any], key: str, default: int | None = None, minimum: int = 0
) -> int | None:
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise invalid(f"{key} must be a number", param=key)
    try:
        number = int(float(value))
    except (ValueError, OverflowError) as exc:
        raise invalid(f"{key} must be a number", param=key) from exc
    if number < minimum or number > 10**12:
        raise invalid(f"{key} is out of range", param=key)
    return number


def _str(data: dict[str, Any], key: str, default: str | None = None) -> str | None:
    value = data.get(key, default)
    if value is not None and not isinstance(value, str):
        raise invalid(f"{key} must be a string", param=key)
    return value


def config_endpoint_id(url: str) -> str:
    # Stable per URL, so a restarted server keeps delivering to "the same" endpoint.
    digest = hashlib.sha256(url.encode()).hexdigest()
    return "we_1" + "".join(ch for ch in digest if ch.isalnum())[:23]


def register_endpoint(
    rt: Runtime, url: str, secret: str, enabled_events: list[str] | None = None
) -> dict[str, Any]:
    endpoint_id = config_endpoint_id(url)
    existing = rt.store.get("webhook_endpoint", endpoint_id)
    if existing is None:
        existing = build_webhook_endpoint(
            rt,
            url=url,
            enabled_events=enabled_events or ["*"],
            description="Configured on the fakestripe command line",
            endpoint_id=endpoint_id,
        )
        rt.store.insert(existing)
    else:
        existing.update(
            status="enabled", enabled_events=enabled_events or existing["enabled_events"]
        )
    rt.store.private(endpoint_id).update(secret=secret, source="config")
    rt.store.mark_dirty()
    return existing


def register_configured_endpoints(rt: Runtime) -> None:
    with rt.store.lock:
        wanted = {config_endpoint_id(url) for url, _ in rt.settings.webhooks}
        for endpoint in rt.store.all("webhook_endpoint"):
            if (
                rt.store.private(endpoint["id"]).get("source") == "config"
                and endpoint["id"] not in wanted
            ):
                rt.store.delete("webhook_endpoint", endpoint["id"])
        for url, secret in rt.settings.webhooks:
            register_endpoint(rt, url, secret)


@bp.get("/health")
def health() -> Response:
    rt = runtime()
    with rt.store.lock:
        counts = {kind: len(objs) for kind, objs in rt.store.objects.items()}
        now = rt.now()
    return json_response(
        {
            "status": "ok",
            "version": __version__,
            "api_version": API_VERSION,
            "now": now,
            "clock_offset": rt.store.clock.offset,
            "webhooks_held": rt.webhooks.holding,
            "webhooks_pending": rt.webhooks.pending(),
            "objects": counts,
        }
    )


# Billing settings a test may change at run time (and /reset restores).
SETTINGS = {
    "payment_retry_days": "days after the first failed attempt, increasing",
    "retries_exhausted": ("cancel", "unpaid", "past_due"),
    "invoice_after_retries": ("open", "uncollectible"),
    "upcoming_days": "whole days before a renewal, 0 for never",
    "portal_proration_behavior": ("create_prorations", "always_invoice", "none"),
}


def _setting(key: str, value: Any) -> Any:
    choices = SETTINGS[key]
    if isinstance(choices, tuple):
        if value not in choices:
            raise invalid(f"{key} must be one of {', '.join(choices)}", param=key)
        return value
    if key == "upcoming_days":
        return _int({key: value}, key)
    if (
        not isinstance(value, list)
        or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in value)
        or value != sorted(set(value))
    ):
        raise invalid(f"{key}: {choices}", param=key)
    return tuple(value)


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> Response:
    """The retry schedule and what follows it, like Stripe's Dashboard revenue recovery
    settings; POST changes the given ones."""
    rt = runtime()
    data = body() if request.method == "POST" else {}
    unknown = set(data) - set(SETTINGS)
    if unknown:
        raise invalid(f"Unknown setting: {sorted(unknown)[0]}", param=sorted(unknown)[0])
    with rt.store.lock:
        changes = {key: _setting(key, value) for key, value in data.items()}
        for key, value in changes.items():
            setattr(rt.settings, key, value)
        current = {key: getattr(rt.settings, key) for key in SETTINGS}
    return json_response({k: list(v) if isinstance(v, tuple) else v for k, v in current.items()})


@bp.post("/reset")
def reset() -> Response:
    rt = runtime()
    with rt.store.lock:
        rt.webhooks.clear()
        rt.store.reset()
        for key in SETTINGS:
            setattr(rt.settings, key, getattr(rt.startup_settings, key))
        register_configured_endpoints(rt)
    return json_response({"reset": True, "now": rt.now()})


@bp.get("/clock")
def clock() -> Response:
    rt = runtime()
    return json_response(
        {"now": rt.now(), "offset": rt.store.clock.offset, "real": int(time.time())}
    )


@bp.post("/clock/advance")
def clock_advance() -> Response:
    rt = runtime()
    data = body()
    with rt.store.lock:
        now = rt.now()
        if "to" in data:
            target = _int(data, "to")
        else:
            seconds = _int(data, "seconds", 0) or 0
            seconds += (_int(data, "hours", 0) or 0) * 3600
            seconds += (_int(data, "days", 0) or 0) * DAY
            target = now + seconds
        assert target is not None
        if target - now > MAX_ADVANCE_SECONDS:
            raise invalid("Advance the clock by at most five years per call.", param="seconds")
        processed = advance(rt, target)
        return json_response({"now": rt.now(), "previous": now, "processed": processed})


@bp.post("/tick")
def tick() -> Response:
    rt = runtime()
    with rt.store.lock:
        processed = process_due(rt, rt.now())
    return json_response({"now": rt.now(), "processed": processed})


@bp.post("/checkout_sessions/<session_id>/pay")
def pay_checkout_session(session_id: str) -> Response:
    rt = runtime()
    data = body()
    number = normalize(_str(data, "card", "4242424242424242") or "")
    authenticate = _str(data, "authenticate", "approve")
    if authenticate not in {"approve", "decline"}:
        raise invalid("authenticate must be approve or decline", param="authenticate")
    step_seconds = (
        float(_int(data, "step_ms", int(rt.settings.checkout_step_seconds * 1000)) or 0) / 1000
    )
    promotion_code = _str(data, "promotion_code")
    with rt.store.lock:
        session = rt.store.require("checkout.session", session_id)
        clock = clock_for(rt, [session["customer"]])
    with clock_scope(rt, clock):
        with rt.store.lock:
            if promotion_code is not None:
                from fakestripe.checkout_discounts import apply_code

                ensure_open(rt, session)
                apply_code(rt, session, promotion_code)
            entry = CardEntry(
                # An empty card: pay without one (a free trial that does not need a card).
                card=card_for(number) if number else None,
                exp_month=_int(data, "exp_month", 12) or 12,
                exp_year=_int(data, "exp_year", 2099) or 2099,
                name=_str(data, "name"),
                email=_str(data, "email"),
            )
            try:
                pay_session(rt, session, entry, authentication=None)
            except AuthenticationRequired:
                pay_session(rt, session, entry, authentication=authenticate)
        run_completion(rt, session_id, step_seconds=step_seconds)
    with rt.store.lock:
        return json_response(
            {"session": rt.render(session), "redirect_url": success_redirect(session)}
        )


@bp.get("/webhooks/held")
def held() -> Response:
    return json_response({"holding": runtime().webhooks.holding, "held": runtime().webhooks.held()})


@bp.post("/webhooks/hold")
def hold() -> Response:
    rt = runtime()
    rt.webhooks.hold()
    return json_response({"holding": True})


@bp.post("/webhooks/release")
def release() -> Response:
    rt = runtime()
    data = body()
    order = _str(data, "order", "as_created")
    if order not in RELEASE_ORDERS:
        raise invalid(f"order must be one of {', '.join(RELEASE_ORDERS)}", param="order")
    duplicates = _int(data, "duplicates", 1, minimum=1) or 1
    if duplicates > 50:
        raise invalid("duplicates must be at most 50", param="duplicates")
    concurrent = data.get("concurrent", False)
    if not isinstance(concurrent, bool):
        raise invalid("concurrent must be a boolean", param="concurrent")
    released = rt.webhooks.release(order, duplicates, concurrent, _int(data, "seed"))
    return json_response({"released": released, "holding": False})


@bp.post("/webhook_endpoints")
def add_endpoint() -> Response:
    rt = runtime()
    data = body()
    url, secret = _str(data, "url"), _str(data, "secret")
    if not url or not url.startswith(("http://", "https://")):
        raise invalid("url must be an http(s) URL", param="url", code="url_invalid")
    if not secret:
        raise invalid("Missing required param: secret.", param="secret", code="parameter_missing")
    events = data.get("enabled_events") or ["*"]
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise invalid("enabled_events must be a list of strings", param="enabled_events")
    with rt.store.lock:
        endpoint = register_endpoint(rt, url, secret, events)
        return json_response(rt.render(endpoint))


@bp.post("/events/<event_id>/redeliver")
def redeliver(event_id: str) -> Response:
    rt = runtime()
    data = body()
    with rt.store.lock:
        event = rt.store.require("event", event_id)
        endpoint_id = _str(data, "endpoint")
        if endpoint_id:
            rt.store.require("webhook_endpoint", endpoint_id, param="endpoint", status=400)
            targets = [endpoint_id]
        else:
            targets = [
                e["id"]
                for e in rt.store.all("webhook_endpoint")
                if endpoint_wants(e, event["type"])
            ]
    queued = rt.webhooks.redeliver(event_id, targets)
    return json_response({"event": event_id, "queued": queued})


@bp.get("/deliveries")
def deliveries() -> Response:
    rt = runtime()
    filters = {k: request.args[k] for k in ("event", "type", "endpoint") if k in request.args}
    records = [
        d for d in list(rt.webhooks.deliveries) if all(d.get(k) == v for k, v in filters.items())
    ]
    return json_response({"object": "list", "data": records})


@bp.post("/wait_idle")
def wait_idle() -> Response:
    rt = runtime()
    data = body()
    timeout = float(min(_int(data, "timeout", 30) or 30, MAX_WAIT_SECONDS))
    idle = rt.webhooks.wait_idle(timeout)
    return json_response({"idle": idle, "pending": rt.webhooks.pending()})


@bp.post("/disputes")
def create_dispute() -> Response:
    rt = runtime()
    data = body()
    reason = _str(data, "reason", "fraudulent")
    if reason not in DISPUTE_REASONS:
        raise invalid(f"reason must be one of {', '.join(DISPUTE_REASONS)}", param="reason")
    with rt.store.lock:
        charge_id = _str(data, "charge")
        if not charge_id and data.get("payment_intent"):
            pi = rt.store.require(
                "payment_intent", _str(data, "payment_intent"), param="payment_intent", status=400
            )
            charge_id = pi["latest_charge"]
        charge = rt.store.require("charge", charge_id, param="charge", status=400)
        amount = _int(data, "amount", charge["amount"], minimum=1)
        assert amount is not None
        dispute = open_dispute(rt, charge, reason=reason, amount=amount)
        return json_response(rt.render(dispute))


@bp.post("/disputes/<dispute_id>/close")
def close_dispute_route(dispute_id: str) -> Response:
    rt = runtime()
    data = body()
    status = _str(data, "status", "won")
    if status not in {"won", "lost", "warning_closed"}:
        raise invalid("status must be won, lost or warning_closed", param="status")
    with rt.store.lock:
        dispute = rt.store.require("dispute", dispute_id)
        return json_response(rt.render(close_dispute(rt, dispute, status)))
