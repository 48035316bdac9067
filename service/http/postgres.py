"""A PostgreSQL connection of the server's own (election lock, idempotency keys).

Imported only when the ledger is on PostgreSQL: the driver is an optional extra.
"""

from __future__ import annotations

from typing import Any

__all__ = ["connect"]


def connect(env: dict[str, str]) -> Any:
    """An autocommit connection to the database the ledger's environment names."""
    import psycopg

    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
        connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
        autocommit=True,
    )
