"""``/v1/payment_intents``, ``/v1/charges`` and ``/v1/balance_transactions`` (read-only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.errors import invalid
from fakestripe.params import Str, endpoint, list_endpoint
from fakestripe.tracking import wanted

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("payments", __name__)


def _matching(params: dict[str, Any], *keys: str) -> Any:
    f = wanted(params, *keys)
    return lambda obj: all(obj.get(k) == v for k, v in f.items())


@api(bp, "/v1/payment_intents/<pi_id>", "GET", endpoint({"client_secret": Str(max_length=500)}))
def retrieve_payment_intent(rt: Runtime, params: dict[str, Any], pi_id: str) -> dict[str, Any]:
    pi = rt.store.require("payment_intent", pi_id)
    secret = params.get("client_secret")
    if secret is not None and secret != pi["client_secret"]:
        raise invalid(
            "The client_secret provided does not match the client_secret associated with the "
            "PaymentIntent.",
            param="client_secret",
        )
    return rt.render(pi)


PI_LIST = list_endpoint({"customer": Str(max_length=255)}, unsupported=("customer_account",))


@api(bp, "/v1/payment_intents", "GET", PI_LIST)
def list_payment_intents(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    items = rt.store.all("payment_intent", _matching(params, "customer"))
    return paginate(rt, items, params, "/v1/payment_intents")


@api(bp, "/v1/charges/<charge_id>", "GET", endpoint())
def retrieve_charge(rt: Runtime, params: dict[str, Any], charge_id: str) -> dict[str, Any]:
    return retrieve(rt, "charge", charge_id)


CHARGE_LIST = list_endpoint(
    {"customer": Str(max_length=255), "payment_intent": Str(max_length=255)},
    unsupported=("transfer_group",),
)


@api(bp, "/v1/charges", "GET", CHARGE_LIST)
def list_charges(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    items = rt.store.all("charge", _matching(params, "customer", "payment_intent"))
    return paginate(rt, items, params, "/v1/charges")


@api(bp, "/v1/charges/<charge_id>/refunds", "GET", list_endpoint(created=False))
def list_charge_refunds(rt: Runtime, params: dict[str, Any], charge_id: str) -> dict[str, Any]:
    rt.store.require("charge", charge_id)
    items = rt.store.all("refund", lambda r: r["charge"] == charge_id)
    return paginate(rt, items, params, f"/v1/charges/{charge_id}/refunds")


@api(bp, "/v1/balance_transactions/<txn_id>", "GET", endpoint())
def retrieve_balance_transaction(
    rt: Runtime, params: dict[str, Any], txn_id: str
) -> dict[str, Any]:
    return retrieve(rt, "balance_transaction", txn_id)


TXN_LIST = list_endpoint(
    {
        "source": Str(max_length=255),
        "type": Str(max_length=50),
        "currency": Str(max_length=3),
    },
    unsupported=("payout",),
)


@api(bp, "/v1/balance_transactions", "GET", TXN_LIST)
def list_balance_transactions(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    items = rt.store.all("balance_transaction", _matching(params, "source", "type", "currency"))
    return paginate(rt, items, params, "/v1/balance_transactions")
