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
runs the request again.

A claim names the server process that made it, by an id drawn when the process
starts (its pid, then a random part). One left by a process that died before
answering (kill -9) is taken over by the next request with its key:

- on SQLite (one host) every process holds a lease in ``rl_idempotency_owners``,
  renewed by a thread every few seconds. A claim whose owner's lease has run out
  is free; one whose owner's pid is gone is free at once. A pid alone is not
  enough: in a container the server is PID 1 at every start, so a restarted
  server would take its dead predecessor's claims for its own and answer 409
  until they expired;
- on PostgreSQL every process holds a session advisory lock named after its id,
  which dies with its session.
The commands also receive the key where they accept one, so a write saved just
before the crash is not recorded twice when it runs again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import uuid4

from ledger.adapters.settings import DatabaseSetting, busy_timeout_seconds

__all__ = [
    "Claim",
    "IdempotencyStore",
    "StoredResponse",
    "fingerprint",
    "open_idempotency_store",
]

_TABLE = "rl_idempotency"
_OWNERS = "rl_idempotency_owners"
_CLEAN_EVERY = 1_000
#: A server process's lease on its claims (SQLite), renewed every third of it.
LEASE_SECONDS = 15.0


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
        #: This process's name on its claims (the pid first: see ``_owner_alive``).
        self.owner = f"{os.getpid()}-{uuid4().hex}"
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

    def _owner_alive(self, owner: str) -> bool:
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
                " request TEXT NOT NULL, owner TEXT NOT NULL, created REAL NOT NULL,"
                " status INTEGER, headers TEXT, body BYTEA, PRIMARY KEY (scope, key))"
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
        execute(
            self._sql("DELETE FROM {t} WHERE scope = ? AND key = ? AND created < ?"),
            (scope, key, now - self.ttl),
        )
        for _ in range(3):
            inserted = execute(
                self._sql(self._insert_new()), (scope, key, request, self.owner, now)
            ).rowcount
            if inserted == 1:
                return Claim("new")
            row = execute(
                self._sql(
                    "SELECT request, owner, status, headers, body FROM {t}"
                    " WHERE scope = ? AND key = ?"
                ),
                (scope, key),
            ).fetchone()
            if row is None:  # expired and removed meanwhile: claim it again
                continue
            stored_request, owner, status, headers, body = row
            if stored_request != request:
                return Claim("mismatch")
            if status is not None:
                return Claim(
                    "replay", StoredResponse(int(status), json.loads(headers), bytes(body))
                )
            if self._owner_alive(owner):
                return Claim("running")
            # Its process died before answering: the claim is free again.
            execute(
                self._sql(
                    "DELETE FROM {t} WHERE scope = ? AND key = ? AND owner = ? AND status IS NULL"
                ),
                (scope, key, owner),
            )
        return Claim("running")

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
    """In the ledger's SQLite file (WAL), beside the events, with this process's lease."""

    def __init__(self, path: str, ttl_seconds: float, lease_seconds: float = LEASE_SECONDS) -> None:
        super().__init__(ttl_seconds)
        self.path = path
        self.lease_seconds = lease_seconds
        self.create_table()
        self._renew()
        self._stop_renewing = threading.Event()
        self._renewer = threading.Thread(
            target=self._keep_renewing, name="idempotency-lease", daemon=True
        )
        self._renewer.start()

    def create_table(self) -> None:
        super().create_table()
        self._connection().execute(
            f"CREATE TABLE IF NOT EXISTS {_OWNERS} (owner TEXT PRIMARY KEY, expires REAL NOT NULL)"
        )

    def _renew(self) -> None:
        now = time.time()
        execute = self._connection().execute
        execute(
            f"INSERT INTO {_OWNERS} (owner, expires) VALUES (?, ?)"
            " ON CONFLICT (owner) DO UPDATE SET expires = excluded.expires",
            (self.owner, now + self.lease_seconds),
        )
        # Leases of processes gone long ago: their claims are free either way.
        execute(f"DELETE FROM {_OWNERS} WHERE expires < ?", (now - self.ttl,))

    def _keep_renewing(self) -> None:
        while not self._stop_renewing.wait(self.lease_seconds / 3):
            try:
                self._renew()
            except sqlite3.Error:  # busy: the lease has two more tries before it runs out
                continue

    def close(self) -> None:
        self._stop_renewing.set()
        self._renewer.join(timeout=5)
        with contextlib.suppress(sqlite3.Error):
            # A clean stop: its claims (released already) and its lease are over now.
            self._connection().execute(f"DELETE FROM {_OWNERS} WHERE owner = ?", (self.owner,))
        super().close()

    def _connect(self) -> Any:
        # As long as the ledger's own writes wait for a lock (REMIX_LEDGER_BUSY_TIMEOUT).
        wait = busy_timeout_seconds()
        connection = sqlite3.connect(
            self.path, timeout=wait, isolation_level=None, check_same_thread=False
        )
        connection.execute(f"PRAGMA busy_timeout = {wait * 1000}")
        return connection

    def _insert_new(self) -> str:
        return (
            "INSERT OR IGNORE INTO {t} (scope, key, request, owner, created) VALUES (?, ?, ?, ?, ?)"
        )

    def _owner_alive(self, owner: str) -> bool:
        if owner == self.owner:
            return True
        if not _pid_alive(owner.partition("-")[0]):
            return False  # no process has that pid: its owner is gone, free at once
        # A process has the pid, but it may be another start of it (PID 1 in a
        # container): only a lease that is still renewed says the owner lives.
        row = (
            self._connection()
            .execute(f"SELECT expires FROM {_OWNERS} WHERE owner = ?", (owner,))
            .fetchone()
        )
        return row is not None and float(row[0]) > time.time()


def _pid_alive(pid: str) -> bool:
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PostgresIdempotencyStore(_SqlStore):
    """In the ledger's PostgreSQL schema."""

    placeholder = "%s"

    def __init__(self, env: dict[str, str], ttl_seconds: float) -> None:
        super().__init__(ttl_seconds)
        self.env = env
        schema = env.get("POSTGRES_SCHEMA")
        self._qualified = f'"{schema}".{_TABLE}' if schema else _TABLE
        self.create_table()
        # Held for the life of this process: its session ending (the process died)
        # is what tells the others that its claims are abandoned.
        self._alive = self._connect()
        self._alive.execute(
            "SELECT pg_advisory_lock(hashtextextended(%s, 0))", (_lock_name(self.owner),)
        )

    def _connect(self) -> Any:
        from ledger.application.ledger import postgres_connect as connect

        return connect(self.env)

    def _table(self) -> str:
        return self._qualified

    def _blob(self) -> str:
        return "BYTEA"

    def _insert_new(self) -> str:
        return (
            "INSERT INTO {t} (scope, key, request, owner, created) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING"
        )

    def _owner_alive(self, owner: str) -> bool:
        name = _lock_name(owner)
        taken = (
            self._connection()
            .execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (name,))
            .fetchone()[0]
        )
        if taken:  # nobody held it: the owner is gone
            self._connection().execute(
                "SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (name,)
            )
        return not taken

    def close(self) -> None:
        super().close()
        self._alive.close()

    def create_table(self) -> None:
        from ledger.application.ledger import postgres_setup_lock

        with postgres_setup_lock(self.env):
            super().create_table()


def _lock_name(owner: str) -> str:
    return f"remix-ledger server {owner}"


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
            if row is not None and row[1] < now - self.ttl:
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
