"""Per-object locks for read-from-Stripe-then-write sequences, and the one order to take them.

Handlers refetch an object from Stripe and write it while holding the lock on its id, so two
events for one object are applied one after the other and the later writer always read the
newer state. A transaction that needs several locks takes them in this order, never the other
way round, so two transactions can wait on each other only in one direction (no deadlock):

    1. subscription        lock_subscription (its membership and the membership's history)
    2. member              lock_member       (all of one member's memberships)
    3. invoice             lock_invoice
    4. payment intent      lock_payment_intent
    5. charge              lock_charge        (its payment's refunds)
    6. dispute             lock_dispute

So a service that writes an invoice's payment and may sync its subscription locks the
subscription first (billing.payments), and `membership_sync` locks the subscription before
the member. Advisory locks are held to the end of the outermost transaction: in a webhook task
that is the whole handler. Under settings.DEBUG (and in tests) taking a lock out of order
raises `LockOrderError`, so a new code path that breaks the order fails its tests.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import connection, transaction

ORDER = (
    "subscription",
    "member",
    "invoice",
    "payment_intent",
    "charge",
    "dispute",
)
_RANK = {name: rank for rank, name in enumerate(ORDER)}
_held = threading.local()


class LockOrderError(RuntimeError):
    """A lock was requested after one that comes later in `ORDER`."""


def _check_order(kind: str, key: str) -> None:
    # Advisory locks live as long as the PostgreSQL transaction: its id tells them apart.
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current()")
        xid = cursor.fetchone()[0]
    state = getattr(_held, "state", None)
    if state is None or state[0] != xid:
        state = _held.state = (xid, [])
    held: list[tuple[int, str]] = state[1]
    rank = _RANK[kind]
    worst = max(held, default=None)
    if worst is not None and worst[0] > rank and (rank, key) not in held:
        raise LockOrderError(f"lock {kind}:{key} taken after {ORDER[worst[0]]}:{worst[1]}")
    held.append((rank, key))


def advisory_lock(kind: str, key: str) -> None:
    """Hold a PostgreSQL advisory lock on `kind:key` until the current transaction ends."""
    if kind not in _RANK:
        raise ValueError(f"unknown lock kind {kind!r}; add it to billing.locks.ORDER")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("advisory_lock needs a transaction")
    if settings.DEBUG or getattr(settings, "BILLING_CHECK_LOCK_ORDER", False):
        _check_order(kind, key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{kind}:{key}"])


def lock_subscription(subscription_id: str) -> None:
    advisory_lock("subscription", subscription_id)


def lock_member(user_id: int) -> None:
    advisory_lock("member", str(user_id))


def lock_invoice(invoice_id: str) -> None:
    advisory_lock("invoice", invoice_id)


def lock_payment_intent(payment_intent_id: str) -> None:
    advisory_lock("payment_intent", payment_intent_id)


def lock_charge(charge_id: str) -> None:
    advisory_lock("charge", charge_id)


def lock_dispute(dispute_id: str) -> None:
    advisory_lock("dispute", dispute_id)
