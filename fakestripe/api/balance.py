"""``/v1/customers/<id>/balance_transactions``, ``/v1/balance``, and the search endpoints
(refused: the stand-in has no search query language)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate
from fakestripe.balance import account_balance, change
from fakestripe.errors import StripeError, invalid
from fakestripe.params import (
    EMPTY,
    Currency,
    Int,
    Metadata,
    Str,
    apply_metadata,
    endpoint,
    list_endpoint,
    new_metadata,
)

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("balance", __name__)

CREATE = endpoint(
    {
        "amount": Int(minimum=-99_999_999, maximum=99_999_999),
        "currency": Currency(),
        "description": Str(max_length=350),
        "metadata": Metadata(),
    },
    required=("amount", "currency"),
)


@api(bp, "/v1/customers/<customer_id>/balance_transactions", "POST", CREATE)
def create_transaction(rt: Runtime, params: dict[str, Any], customer_id: str) -> dict[str, Any]:
    customer = rt.store.require("customer", customer_id)
    if params["amount"] == 0:
        raise invalid("The amount must not be zero.", param="amount")
    currency = customer.get("currency")
    if currency and params["currency"] != currency:
        raise invalid(
            f"The customer's balance is in {currency}; this transaction is in "
            f"{params['currency']}.",
            param="currency",
        )
    txn = change(
        rt,
        customer,
        params["amount"],
        kind="adjustment",
        currency=params["currency"],
        description=params.get("description"),
        metadata=new_metadata(params.get("metadata")),
    )
    return rt.render(txn)


def _owned(rt: Runtime, customer_id: str, txn_id: str) -> dict[str, Any]:
    txn = rt.store.require("customer_balance_transaction", txn_id)
    if txn["customer"] != customer_id:
        raise StripeError(
            f"No such customer balance transaction: '{txn_id}'",
            code="resource_missing",
            param="id",
            status=404,
        )
    return txn


@api(bp, "/v1/customers/<customer_id>/balance_transactions/<txn_id>", "GET", endpoint())
def retrieve_transaction(
    rt: Runtime, params: dict[str, Any], customer_id: str, txn_id: str
) -> dict[str, Any]:
    return rt.render(_owned(rt, customer_id, txn_id))


UPDATE = endpoint({"description": Str(max_length=350, emptyable=True), "metadata": Metadata()})


@api(bp, "/v1/customers/<customer_id>/balance_transactions/<txn_id>", "POST", UPDATE)
def update_transaction(
    rt: Runtime, params: dict[str, Any], customer_id: str, txn_id: str
) -> dict[str, Any]:
    txn = _owned(rt, customer_id, txn_id)
    if "description" in params:
        txn["description"] = None if params["description"] is EMPTY else params["description"]
    if "metadata" in params:
        txn["metadata"] = apply_metadata(txn["metadata"], params["metadata"])
    rt.store.mark_dirty()
    return rt.render(txn)


LIST = list_endpoint({"invoice": Str(max_length=255)})


@api(bp, "/v1/customers/<customer_id>/balance_transactions", "GET", LIST)
def list_transactions(rt: Runtime, params: dict[str, Any], customer_id: str) -> dict[str, Any]:
    rt.store.require("customer", customer_id)
    invoice = params.get("invoice")
    items = rt.store.all(
        "customer_balance_transaction",
        lambda t: t["customer"] == customer_id and (invoice is None or t["invoice"] == invoice),
    )
    return paginate(rt, items, params, f"/v1/customers/{customer_id}/balance_transactions")


@api(bp, "/v1/balance", "GET", endpoint())
def retrieve_balance(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    return account_balance(rt)


SEARCH = endpoint(
    {"query": Str(max_length=5000), "limit": Int(minimum=1, maximum=100), "page": Str()},
    required=("query",),
)


def _search_refused(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    raise StripeError(
        "The fakestripe stand-in does not implement the search endpoints (Stripe's search "
        "query language); list with filters instead.",
        code="parameter_unknown",
        param="query",
    )


for _resource in ("charges", "customers", "invoices", "payment_intents", "prices", "products",
                  "subscriptions"):  # fmt: skip
    _search_refused.__name__ = f"search_{_resource}"
    api(bp, f"/v1/{_resource}/search", "GET", SEARCH)(_search_refused)
