"""PostgreSQL connections of the ledger's own: the setup lock and a plain connection.

The driver (psycopg) is an optional extra, so it is imported where it is used,
never when this module is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import PersistenceError

__all__ = ["postgres_connect", "postgres_setup_lock", "psycopg_error"]

# An arbitrary constant that names "remix-ledger is creating its tables".
_SETUP_LOCK_KEY = 0x52454D49584C4544


@contextmanager
def postgres_setup_lock(env: dict[str, str]) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock while tables are created.

    Several processes opening one new ledger at once would otherwise race on
    CREATE TABLE / CREATE TYPE and fail with "tuple concurrently updated". The
    first connection also fails fast and plainly on a wrong URL, and creates the
    URL's ``?schema=`` when it is missing.
    """
    from psycopg import sql

    with postgres_connect(env) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (_SETUP_LOCK_KEY,))
        try:
            if "POSTGRES_SCHEMA" in env:
                schema = sql.Identifier(env["POSTGRES_SCHEMA"])
                connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK_KEY,))


def postgres_connect(env: dict[str, str]) -> Any:
    """A connection of its own (autocommit) to the database ``env`` names."""
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


def psycopg_error() -> type[Exception]:
    """The driver's base error, to catch; without the driver, one that never comes."""
    try:
        import psycopg
    except ImportError:
        return PersistenceError
    return psycopg.Error
