"""The bench's own database and Redis database on the servers devstack gives us.

`scripts.devstack.services()` starts the embedded PostgreSQL and Redis (or takes DATABASE_URL
and REDIS_URL from the environment). A bench never touches dev or test data: it uses its own
database (`patronage_bench` by default) on that PostgreSQL server, emptied before each run,
and its own Redis database number, flushed before each run.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from psycopg import sql


def database_url_for(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def redis_url_for(url: str, db: int) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


def database_ensure(server_url: str, name: str) -> None:
    """Create the database unless it exists (on the server's `postgres` database)."""
    admin = database_url_for(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def postgres_version(url: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split(" ")[0] if row else "unknown"


def redis_flush(url: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def redis_version(url: str) -> str:
    client = redis.Redis.from_url(url)
    try:
        return str(client.info("server")["redis_version"])
    finally:
        client.close()
