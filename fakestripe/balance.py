"""A customer's balance (credit is negative) and its ledger of customer balance transactions:
``initial`` at creation, ``adjustment`` by hand, ``applied_to_invoice`` when an invoice uses the
credit (or a negative invoice adds to it), ``unapplied_from_invoice`` when a voided invoice
gives it back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe.events import emit_updated
from fakestripe.fixtures import blank
from fakestripe.ids import new_id

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


def record(
    rt: Runtime,
    customer: dict[str, Any],
    amount: int,
    *,
    kind: str,
    currency: str | None = None,
    invoice: str | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Move the balance by ``amount`` and write it down. The caller emits ``customer.updated``
    (or creates the customer)."""
    customer["balance"] += amount
    if customer.get("currency") is None and currency:
        customer["currency"] = currency
    txn = blank("customer_balance_transaction")
    txn.update(
        id=new_id("cbtxn"),
        amount=amount,
        created=rt.now(),
        currency=currency or customer.get("currency") or "usd",
        customer=customer["id"],
        description=description,
        ending_balance=customer["balance"],
        invoice=invoice,
        livemode=False,
        metadata=metadata or {},
        type=kind,
    )
    rt.store.insert(txn)
    rt.store.mark_dirty()
    return txn


def change(
    rt: Runtime,
    customer: dict[str, Any],
    amount: int,
    *,
    kind: str,
    currency: str | None = None,
    invoice: str | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """:func:`record`, and ``customer.updated``."""
    before = rt.render(customer)
    txn = record(
        rt,
        customer,
        amount,
        kind=kind,
        currency=currency,
        invoice=invoice,
        description=description,
        metadata=metadata,
    )
    emit_updated(rt, "customer.updated", customer, before)
    return txn


def account_balance(rt: Runtime) -> dict[str, Any]:
    """``/v1/balance``: what the charges, refunds and disputes added up to, per currency,
    available once their balance transactions are."""
    now = rt.now()
    totals: dict[str, dict[str, int]] = {}
    for txn in rt.store.all("balance_transaction"):
        entry = totals.setdefault(txn["currency"], {"available": 0, "pending": 0})
        entry["available" if txn["available_on"] <= now else "pending"] += txn["net"]
    currencies = sorted(totals) or ["usd"]

    def side(key: str) -> list[dict[str, Any]]:
        return [
            {
                "amount": totals.get(c, {}).get(key, 0),
                "currency": c,
                "source_types": {"card": totals.get(c, {}).get(key, 0)},
            }
            for c in currencies
        ]

    return {
        "object": "balance",
        "available": side("available"),
        "connect_reserved": [{"amount": 0, "currency": c} for c in currencies],
        "livemode": False,
        "pending": side("pending"),
    }
