"""The baseline's one table, created by the runner before the baseline starts.

No migrations: the baseline has no apps, and the table must not touch the site's schema (both
live in the bench database). `key` is unique, like the inbox's Stripe event id.
"""

from __future__ import annotations

import psycopg

TABLE = "bench_baseline_row"

CREATE = f"""
    CREATE TABLE IF NOT EXISTS {TABLE} (
        id bigserial PRIMARY KEY,
        key text NOT NULL UNIQUE,
        body text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
    )
"""


def schema_reset(conn: psycopg.Connection) -> None:
    """Create the table if it is missing and empty it."""
    conn.execute(CREATE)
    conn.execute(f"TRUNCATE {TABLE}")  # the table name is our constant
    conn.commit()


def row_count(conn: psycopg.Connection) -> int:
    row = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()  # noqa: S608 - constant
    return int(row[0]) if row else 0
