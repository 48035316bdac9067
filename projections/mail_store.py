"""Where notifications and the mail outbox live: SQLite or PostgreSQL, beside the read models.

- SQLite ``path/ledger.db``: a file of its own, ``path/ledger.notifications.db``. Not the
  views file: that one is disposable (a schema change drops it, an operator may delete
  it to start afresh), while the outbox is the record of which mails were sent, and the
  read flags are members' own state. Dropping it would mail everything again;
- PostgreSQL: tables ``rl_notifications``, ``rl_outbox``, ``rl_notify_proposals`` and
  ``rl_notify_position`` in the ledger's schema (the views' ``rl_*`` drop-and-rebuild
  leaves them alone);
- ``memory://``: an in-memory SQLite database, for the one process.

Every write of the projection (rows, outbox, its follow state, its position) is one
transaction; the sender's claims and marks are each one short transaction too.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ledger.adapters.settings import DatabaseSetting, busy_timeout_seconds, resolve_db_setting

__all__ = ["MailDatabase", "notifications_path", "open_mail_database"]

_TABLES = {
    "notifications": (
        "notification_id TEXT PRIMARY KEY, member_id TEXT NOT NULL, kind TEXT NOT NULL,"
        " proposal_id TEXT NOT NULL, position {int} NOT NULL, created_at TEXT NOT NULL,"
        " subject TEXT NOT NULL, body TEXT NOT NULL, read_at TEXT"
    ),
    "outbox": (
        "notification_id TEXT PRIMARY KEY, member_id TEXT NOT NULL, subject TEXT NOT NULL,"
        " body TEXT NOT NULL, message_id TEXT NOT NULL, created_at TEXT NOT NULL,"
        " state TEXT NOT NULL, attempts {int} NOT NULL, next_attempt_at {real} NOT NULL,"
        " claim TEXT, last_error TEXT, sent_at TEXT"
    ),
    # What the projection must remember of each proposal between its events: its
    # payees, state, currency and objectors (a JSON document per proposal).
    "notify_proposals": "proposal_id TEXT PRIMARY KEY, state TEXT NOT NULL",
    "notify_position": "name TEXT PRIMARY KEY, position {int} NOT NULL",
}
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS rl_notifications_member"
    " ON {prefix}notifications (member_id, position)",
    "CREATE INDEX IF NOT EXISTS rl_outbox_due ON {prefix}outbox (state, next_attempt_at)",
)


def notifications_path(ledger_path: str) -> str:
    """``ledger.db`` -> ``ledger.notifications.db`` (beside it)."""
    path = Path(ledger_path)
    return str(path.with_name(f"{path.stem}.notifications{path.suffix or '.db'}"))


class MailDatabase:
    """One database's connection for the notifications' tables, and its SQL dialect.

    SQL is written with ``?`` parameters and ``{prefix}`` before table names.
    """

    def __init__(self, dialect: str, prefix: str, connect: Any) -> None:
        self.dialect = dialect  # "sqlite" or "postgres"
        self.prefix = prefix
        self._connect = connect
        self._shared: Any = None
        self._lock = threading.Lock()

    def sql(self, text: str) -> str:
        text = text.replace("{prefix}", self.prefix)
        return text.replace("?", "%s") if self.dialect == "postgres" else text

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A cursor in one transaction (committed on leaving, rolled back on an error).

        One connection, used by one thread at a time: the projector and the sender
        take turns for transactions of milliseconds.
        """
        with self._lock:
            if self._shared is None:
                self._shared = self._connect()
            connection = self._shared
            try:
                if self.dialect == "sqlite":
                    # IMMEDIATE: take the write lock at the start, so a claim's read
                    # and its update are one step for every other process.
                    connection.execute("BEGIN IMMEDIATE")
                    cursor = connection.cursor()
                    yield cursor
                    connection.execute("COMMIT")
                else:
                    with connection.transaction(), connection.cursor() as cursor:
                        yield cursor
            except BaseException:
                if self.dialect == "sqlite" and connection.in_transaction:
                    connection.execute("ROLLBACK")
                if self.dialect == "postgres" and connection.broken:
                    # The server went away: the next transaction connects afresh.
                    self._shared = None
                raise

    def execute(self, cursor: Any, text: str, params: tuple[Any, ...] = ()) -> Any:
        cursor.execute(self.sql(text), params)
        return cursor

    def create_tables(self) -> None:
        types = (
            {"int": "BIGINT", "real": "DOUBLE PRECISION"}
            if self.dialect == "postgres"
            else {"int": "INTEGER", "real": "REAL"}
        )
        with self.transaction() as cursor:
            for table, body in _TABLES.items():
                self.execute(
                    cursor, f"CREATE TABLE IF NOT EXISTS {{prefix}}{table} ({body.format(**types)})"
                )
            for index in _INDEXES:
                self.execute(cursor, index)

    def close(self) -> None:
        with self._lock:
            if self._shared is not None:
                self._shared.close()
                self._shared = None


def _sqlite_connector(path: str) -> Any:
    def connect() -> sqlite3.Connection:
        # Autocommit mode: transactions are begun explicitly (BEGIN IMMEDIATE).
        connection = sqlite3.connect(
            path, timeout=busy_timeout_seconds(), isolation_level=None, check_same_thread=False
        )
        connection.row_factory = sqlite3.Row
        if path != ":memory:":
            connection.execute("PRAGMA journal_mode=WAL")
        return connection

    return connect


def open_mail_database(setting: DatabaseSetting | str | None = None) -> MailDatabase:
    """Open (creating if needed) the notifications' tables for a ledger's database setting."""
    if not isinstance(setting, DatabaseSetting):
        setting = resolve_db_setting(setting)
    if setting.backend == "postgres":
        database = _postgres(setting.env)
    else:
        path = (
            notifications_path(setting.env["SQLITE_DBNAME"])
            if setting.backend == "sqlite"
            else ":memory:"
        )
        database = MailDatabase("sqlite", "rl_", _sqlite_connector(path))
    database.create_tables()
    return database


def _postgres(env: dict[str, str]) -> MailDatabase:
    # Imported here: the PostgreSQL driver is an optional extra.
    import psycopg
    from psycopg.rows import dict_row

    schema = env.get("POSTGRES_SCHEMA", "public")

    def connect() -> Any:
        connection = psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=int(env["POSTGRES_PORT"]),
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
            autocommit=True,
            row_factory=dict_row,
        )
        connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        return connection

    return MailDatabase("postgres", f'"{schema}".rl_', connect)
