"""The Stripe gateway: the only code that imports `stripe`.

Every call goes through one `StripeClient` configured from settings: the API key, the API base
(`STRIPE_API_BASE`; empty means Stripe itself, the stand-in sets its own address), timeouts
and network retries. Create calls carry an idempotency key. Results are plain dicts in
Stripe's shape; errors are translated to `billing.gateway.errors`. Callers never learn
whether they talk to Stripe or to the stand-in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, TypeVar

import stripe
from django.conf import settings

from .errors import GatewayError, GatewayUnavailable, InvalidSignature, NotFound

__all__ = [
    "GatewayError",
    "GatewayUnavailable",
    "InvalidSignature",
    "NotFound",
]

T = TypeVar("T")
TIMEOUT_SECONDS = 20
API_VERSION = stripe.api_version


@lru_cache(maxsize=4)
def _client_for(api_key: str, api_base: str) -> stripe.StripeClient:
    base_addresses: dict[str, str] = {"api": api_base} if api_base else {}
    return stripe.StripeClient(
        api_key,
        base_addresses=base_addresses,  # type: ignore[arg-type]
        max_network_retries=2,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


def client() -> stripe.StripeClient:
    return _client_for(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE.rstrip("/"))


def _call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        result = fn(*args, **kwargs)
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise GatewayUnavailable(str(exc)) from exc
    except stripe.StripeError as exc:
        status = exc.http_status or 0
        error = exc.error
        code = (getattr(error, "code", None) or exc.code or "") if error else (exc.code or "")
        param = (getattr(error, "param", None) or "") if error else ""
        message = (getattr(error, "message", None) or str(exc)) if error else str(exc)
        if status >= 500 or (status == 0 and isinstance(exc, stripe.APIError)):
            raise GatewayUnavailable(message) from exc
        if code == "resource_missing":
            raise NotFound(message, code=code, param=param, status=status) from exc
        raise GatewayError(message, code=code, param=param, status=status) from exc
    return result.to_dict() if hasattr(result, "to_dict") else result  # type: ignore[return-value]


def _options(idempotency_key: str | None) -> dict[str, str]:
    return {"idempotency_key": idempotency_key} if idempotency_key else {}


def _iterate(
    fn: Callable[..., Any], *args: Any, params: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """Every item of a Stripe list, following `has_more` page by page (100 a page), one page
    in memory at a time."""
    cursor: str | None = None
    while True:
        page_params = {**params, "limit": 100, **({"starting_after": cursor} if cursor else {})}
        page = _call(fn, *args, page_params)
        data = list(page.get("data") or [])
        yield from data
        if not page.get("has_more") or not data:
            return
        cursor = data[-1]["id"]


def _list_all(fn: Callable[..., Any], *args: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    return list(_iterate(fn, *args, params=params))


# --- Catalog ---------------------------------------------------------------------------


def product_create(
    *, name: str, description: str, metadata: dict[str, str], idempotency_key: str
) -> dict[str, Any]:
    params: dict[str, Any] = {"name": name, "metadata": metadata}
    if description:
        params["description"] = description
    return _call(client().v1.products.create, params, _options(idempotency_key))


def product_retrieve(*, product_id: str) -> dict[str, Any]:
    return _call(client().v1.products.retrieve, product_id)


def product_update(*, product_id: str, **fields: Any) -> dict[str, Any]:
    return _call(client().v1.products.update, product_id, fields)


def price_create(
    *,
    product_id: str,
    currency: str,
    unit_amount: int,
    interval: str | None,
    metadata: dict[str, str],
    idempotency_key: str,
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "product": product_id,
        "currency": currency,
        "unit_amount": unit_amount,
        "metadata": metadata,
    }
    if interval:
        params["recurring"] = {"interval": interval}
    return _call(client().v1.prices.create, params, _options(idempotency_key))


def price_retrieve(*, price_id: str) -> dict[str, Any]:
    return _call(client().v1.prices.retrieve, price_id)


def price_archive(*, price_id: str) -> dict[str, Any]:
    return _call(client().v1.prices.update, price_id, {"active": False})


# --- Customers -------------------------------------------------------------------------


def customer_create(
    *, email: str, name: str, metadata: dict[str, str], idempotency_key: str
) -> dict[str, Any]:
    params: dict[str, Any] = {"email": email, "metadata": metadata}
    if name:
        params["name"] = name
    return _call(client().v1.customers.create, params, _options(idempotency_key))


def customer_retrieve(*, customer_id: str) -> dict[str, Any]:
    return _call(client().v1.customers.retrieve, customer_id)


def customer_update(*, customer_id: str, **fields: Any) -> dict[str, Any]:
    return _call(client().v1.customers.update, customer_id, fields)


# --- Checkout and portal ---------------------------------------------------------------


def checkout_session_create(*, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    return _call(client().v1.checkout.sessions.create, params, _options(idempotency_key))


def checkout_session_retrieve(*, session_id: str) -> dict[str, Any]:
    return _call(client().v1.checkout.sessions.retrieve, session_id)


def portal_session_create(
    *, customer_id: str, return_url: str, flow: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A portal session for the Customer; with `flow` (Stripe's `flow_data`), a deep link to
    one task only (e.g. the card form) instead of the whole portal."""
    params: dict[str, Any] = {"customer": customer_id, "return_url": return_url}
    if flow:
        params["flow_data"] = flow
    return _call(client().v1.billing_portal.sessions.create, params)


# --- Subscriptions, invoices, payments -------------------------------------------------


def subscription_retrieve(*, subscription_id: str) -> dict[str, Any]:
    return _call(client().v1.subscriptions.retrieve, subscription_id)


def subscription_list(*, customer_id: str, status: str = "all") -> list[dict[str, Any]]:
    """Every subscription of a customer (all pages), newest first."""
    return _list_all(
        client().v1.subscriptions.list, params={"customer": customer_id, "status": status}
    )


def subscriptions_iter(*, status: str = "all") -> Iterator[dict[str, Any]]:
    """Every subscription of the account, newest first, a page at a time (reconciliation)."""
    return _iterate(client().v1.subscriptions.list, params={"status": status})


def events_undelivered_iter(*, since: int) -> Iterator[dict[str, Any]]:
    """Events created since `since` (unix) that Stripe has not delivered to every endpoint."""
    return _iterate(
        client().v1.events.list, params={"delivery_success": False, "created": {"gte": since}}
    )


def subscription_cancel(*, subscription_id: str, comment: str = "") -> dict[str, Any]:
    """Cancel now. A DELETE takes no idempotency key: Stripe refuses a second cancel, which
    callers read as done (billing.commands)."""
    params: dict[str, Any] = {}
    if comment:
        params["cancellation_details"] = {"comment": comment}
    return _call(client().v1.subscriptions.cancel, subscription_id, params)


def subscription_update(
    *, subscription_id: str, params: dict[str, Any], idempotency_key: str | None = None
) -> dict[str, Any]:
    """Change a subscription (its items, `cancel_at_period_end`, `pause_collection`...). A key,
    when given, makes a repeated request (a double click) Stripe's first answer again."""
    return _call(
        client().v1.subscriptions.update, subscription_id, params, _options(idempotency_key)
    )


def subscription_schedule_create(*, subscription_id: str, idempotency_key: str) -> dict[str, Any]:
    """A schedule that takes over the subscription as it is (one phase: the current period)."""
    return _call(
        client().v1.subscription_schedules.create,
        {"from_subscription": subscription_id},
        _options(idempotency_key),
    )


def subscription_schedule_retrieve(*, schedule_id: str) -> dict[str, Any]:
    return _call(client().v1.subscription_schedules.retrieve, schedule_id)


def subscription_schedule_update(*, schedule_id: str, params: dict[str, Any]) -> dict[str, Any]:
    return _call(client().v1.subscription_schedules.update, schedule_id, params)


def subscription_schedule_release(*, schedule_id: str) -> dict[str, Any]:
    """Let the subscription go on by itself as it is now; the schedule's later phases are
    dropped."""
    return _call(client().v1.subscription_schedules.release, schedule_id)


def invoice_preview(*, params: dict[str, Any]) -> dict[str, Any]:
    """`Invoice.create_preview`: the invoice a change would make, computed, never stored."""
    return _call(client().v1.invoices.create_preview, params)


def invoice_retrieve(*, invoice_id: str) -> dict[str, Any]:
    return _call(client().v1.invoices.retrieve, invoice_id, {"expand": ["payments"]})


def invoice_lines_list(*, invoice_id: str) -> list[dict[str, Any]]:
    """Every line of an invoice (an invoice embeds only its first page of lines)."""
    return _list_all(client().v1.invoices.line_items.list, invoice_id, params={})


def payment_intent_retrieve(*, payment_intent_id: str) -> dict[str, Any]:
    return _call(
        client().v1.payment_intents.retrieve,
        payment_intent_id,
        {"expand": ["latest_charge.balance_transaction"]},
    )


def charge_retrieve(*, charge_id: str) -> dict[str, Any]:
    return _call(
        client().v1.charges.retrieve, charge_id, {"expand": ["refunds", "balance_transaction"]}
    )


def refund_create(
    *,
    charge_id: str,
    amount: int | None,
    reason: str,
    metadata: dict[str, str],
    idempotency_key: str,
) -> dict[str, Any]:
    """Refund `amount`, or with None the rest of the charge."""
    params: dict[str, Any] = {"charge": charge_id, "metadata": metadata}
    if amount is not None:
        params["amount"] = amount
    if reason:
        params["reason"] = reason
    return _call(client().v1.refunds.create, params, _options(idempotency_key))


def refund_list(*, charge_id: str) -> list[dict[str, Any]]:
    """Every refund of a charge, whatever its status (all pages), newest first."""
    return _list_all(client().v1.refunds.list, params={"charge": charge_id})


def dispute_retrieve(*, dispute_id: str) -> dict[str, Any]:
    return _call(client().v1.disputes.retrieve, dispute_id)


# --- Webhooks --------------------------------------------------------------------------


def event_verify(*, payload: bytes, signature: str | None) -> dict[str, Any]:
    """Check a webhook's `Stripe-Signature` on the raw body; return the event as a dict.

    Raises InvalidSignature for a missing, wrong or stale signature or a body that is not a
    JSON event. Builds no StripeObjects: the inbox stores the JSON as received.
    """
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            text, signature or "", settings.STRIPE_WEBHOOK_SECRET, settings.STRIPE_WEBHOOK_TOLERANCE
        )
        event = json.loads(text)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidSignature(str(exc)) from exc
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise InvalidSignature("the payload is not an event")
    if not isinstance(event.get("type"), str) or not isinstance(event.get("created"), int):
        raise InvalidSignature("the payload is not an event")
    return event
