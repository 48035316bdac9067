"""Idempotency keys with Stripe's semantics, kept in the ledger's own database.

A write sent with ``Idempotency-Key: K`` is done once per member and key: the
first request's response (status, body, ``Ledger-Position``) is stored with a
fingerprint of the request (method, path, body), and:

- the same key with the same request replays that response (header
  ``Idempotent-Replayed: true``);
- the same key with another request gets 422;
- the same key while the first is still running gets 409 (try again shortly).

Keys are scoped to the token's member (an operator token is its own scope), stored
in a table beside the events (``rl_idempotency``: the ledger's SQLite file, or its
PostgreSQL schema), so they survive a restart and hold across server processes;
they expire after 24 hours. A response of 500 or more is not kept: retrying it
runs the request again. A claim left by a process that died before answering
is taken over after ``STALE_SECONDS``; the commands themselves also receive the
key where they accept one, so a write that was saved before the crash is not
recorded twice.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from ledger.settings import DatabaseSetting

__all__ = [
    "STALE_SECONDS",
    "Claim",
    "IdempotencyStore",
    "StoredResponse",
    "fingerprint",
    "open_idempotency_store",
]

#: A claim with no response after this long belongs to a process that died.
STALE_SECONDS = 60.0
_TABLE = "rl_idempotency"
_CLEAN_EVERY = 1_000


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Claim:
    """What a key says about a request: ``new`` (run it), ``replay``, ``mismatch``
    (another request had the key), or ``running`` (the first is not done)."""

    outcome: str
    response: StoredResponse | None = None


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and the body's JSON value
    (key order and spacing aside), or its bytes when it is not JSON."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


class IdempotencyStore(Protocol):
    def claim(self, scope: str, key: str, request: str) -> Claim: ...

    def complete(self, scope: str, key: str, response: StoredResponse) -> None: ...

    def release(self, scope: str, key: str) -> None: ...

    def close(self) -> None: ...


class _SqlStore:
    """The claim / complete / release protocol over a DB-API connection per thread."""

    placeholder = "?"

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._local = threading.local()
        self._claims = 0
        self._connections: list[Any] = []
        self._lock = threading.Lock()

    # -- what a backend provides
    def _connect(self) -> Any:
        raise NotImplementedError

    def _table(self) -> str:
        return _TABLE

    def _insert_new(self) -> str:
        raise NotImplementedError

    # -- the protocol
    def _sql(self, text: str) -> str:
        return text.replace("?", self.placeholder).replace("{t}", self._table())

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
            with self._lock:
                self._connections.append(connection)
        return connection

    def create_table(self) -> None:
        self._connection().execute(
            self._sql(
                "CREATE TABLE IF NOT EXISTS {t} (scope TEXT NOT NULL, key TEXT NOT NULL,"
                " request TEXT NOT NULL, created REAL NOT NULL, status INTEGER,"
                " headers TEXT, body BYTEA, PRIMARY KEY (scope, key))"
            ).replace("BYTEA", self._blob())
        )

    def _blob(self) -> str:
        return "BLOB"

    def claim(self, scope: str, key: str, request: str) -> Claim:
        now = time.time()
        execute = self._connection().execute
        self._claims += 1
        if self._claims % _CLEAN_EVERY == 1:
            execute(self._sql("DELETE FROM {t} WHERE created < ?"), (now - self.ttl,))
        # An expired key, or a claim whose process died before answering, is free again.
        execute(
            self._sql(
                "DELETE FROM {t} WHERE scope = ? AND key = ?"
                " AND (created < ? OR (status IS NULL AND created < ?))"
            ),
            (scope, key, now - self.ttl, now - STALE_SECONDS),
        )
        inserted = execute(self._sql(self._insert_new()), (scope, key, request, now)).rowcount
        if inserted == 1:
            return Claim("new")
        row = execute(
            self._sql("SELECT request, status, headers, body FROM {t} WHERE scope = ? AND key = ?"),
            (scope, key),
        ).fetchone()
        if row is None:  # expired and removed between the two statements: run it
            return self.claim(scope, key, request)
        stored_request, status, headers, body = row
        if stored_request != request:
            return Claim("mismatch")
        if status is None:
            return Claim("running")
        return Claim("replay", StoredResponse(int(status), json.loads(headers), bytes(body)))

    def complete(self, scope: str, key: str, response: StoredResponse) -> None:
        self._connection().execute(
            self._sql(
                "UPDATE {t} SET status = ?, headers = ?, body = ? WHERE scope = ? AND key = ?"
            ),
            (response.status, json.dumps(response.headers), response.body, scope, key),
        )

    def release(self, scope: str, key: str) -> None:
        self._connection().execute(
            self._sql("DELETE FROM {t} WHERE scope = ? AND key = ? AND status IS NULL"),
            (scope, key),
        )

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()


class SQLiteIdempotencyStore(_SqlStore):
    """In the ledger's SQLite file (WAL), beside the events."""

    def __init__(self, path: str, ttl_seconds: float) -> None:
        super().__init__(ttl_seconds)
        self.path = path
        self.create_table()

    def _connect(self) -> Any:
        connection = sqlite3.connect(
            self.path, timeout=30, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA busy_timeout = 30000")
        return connection

    def _insert_new(self) -> str:
        return "INSERT OR IGNORE INTO {t} (scope, key, request, created) VALUES (?, ?, ?, ?)"


class PostgresIdempotencyStore(_SqlStore):
    """In the ledger's PostgreSQL schema."""

    placeholder = "%s"

    def __init__(self, env: dict[str, str], ttl_seconds: float) -> None:
        super().__init__(ttl_seconds)
        self.env = env
        schema = env.get("POSTGRES_SCHEMA")
        self._qualified = f'"{schema}".{_TABLE}' if schema else _TABLE
        self.create_table()

    def _connect(self) -> Any:
        from service.http.postgres import connect

        return connect(self.env)

    def _table(self) -> str:
        return self._qualified

    def _blob(self) -> str:
        return "BYTEA"

    def _insert_new(self) -> str:
        return (
            "INSERT INTO {t} (scope, key, request, created) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING"
        )

    def create_table(self) -> None:
        from ledger.application import postgres_setup_lock

        with postgres_setup_lock(self.env):
            super().create_table()


class MemoryIdempotencyStore:
    """For an in-memory ledger: gone with the process, as the ledger is."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._rows: dict[tuple[str, str], tuple[str, float, StoredResponse | None]] = {}
        self._lock = threading.Lock()

    def claim(self, scope: str, key: str, request: str) -> Claim:
        now = time.time()
        with self._lock:
            row = self._rows.get((scope, key))
            if row is not None and (
                row[1] < now - self.ttl or (row[2] is None and row[1] < now - STALE_SECONDS)
            ):
                row = None
            if row is None:
                self._rows[(scope, key)] = (request, now, None)
                return Claim("new")
            if row[0] != request:
                return Claim("mismatch")
            if row[2] is None:
                return Claim("running")
            return Claim("replay", row[2])

    def complete(self, scope: str, key: str, response: StoredResponse) -> None:
        with self._lock:
            request, created, _ = self._rows[(scope, key)]
            self._rows[(scope, key)] = (request, created, response)

    def release(self, scope: str, key: str) -> None:
        with self._lock:
            row = self._rows.get((scope, key))
            if row is not None and row[2] is None:
                del self._rows[(scope, key)]

    def close(self) -> None:
        self._rows.clear()


def open_idempotency_store(setting: DatabaseSetting, ttl_seconds: float) -> IdempotencyStore:
    """The store for a ledger's database setting."""
    if setting.backend == "sqlite":
        return SQLiteIdempotencyStore(setting.env["SQLITE_DBNAME"], ttl_seconds)
    if setting.backend == "postgres":
        return PostgresIdempotencyStore(setting.env, ttl_seconds)
    return MemoryIdempotencyStore(ttl_seconds)
