"""Per-object locks for read-from-Stripe-then-write sequences."""

from django.db import connection, transaction


def advisory_lock(key: str) -> None:
    """Hold a PostgreSQL advisory lock on `key` until the current transaction ends.

    Handlers refetch an object from Stripe and write it while holding the lock on its id, so
    two events for one subscription are applied one after the other and the later writer
    always read the newer state.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("advisory_lock needs a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
