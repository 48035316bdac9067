"""Where members' contact and payout addresses live: an erasable table outside the log.

The log is immutable and exported, served as tiles and hashed into the transparency
log, so personal data never goes into it. A ``ContactStore`` keeps one row per member
(``ledger.domain.contact.Contact``) and can really delete it:

- SQLite ``path/ledger.db``: a file of its own beside it, ``path/ledger.contacts.db``,
  so the ledger file (which is copied, archived and handed to auditors) never holds
  personal data at all. Every connection sets ``PRAGMA secure_delete=ON``, so SQLite
  overwrites a deleted or replaced value with zeros in the file, and the file uses a
  rollback journal (not WAL), so no older page image outlives the transaction that
  erased it in a write-ahead log;
- PostgreSQL: the table ``member_contacts`` in the ledger's database and schema
  (never the events table). Erasing is a ``DELETE``: the row is gone for every
  query at once; its bytes stay in the table's pages until PostgreSQL reuses the
  space (``VACUUM FULL member_contacts`` rewrites the file at once) and in the
  write-ahead log, its archive and replicas until they rotate;
- ``memory://``: a dictionary in the process.

What no store can erase: backups and file-system copies taken before the erasure
(they keep the data until they expire), and blocks a file system or SSD freed but
did not overwrite (full-disk encryption covers those). docs/payments.md says so.
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

from ledger.adapters.postgres import postgres_connect
from ledger.adapters.settings import DatabaseSetting, busy_timeout_seconds, resolve_db_setting
from ledger.domain.contact import CONTACT_FIELDS, Contact

__all__ = [
    "ContactStore",
    "MemoryContacts",
    "PostgresContacts",
    "SQLiteContacts",
    "contacts_path",
    "open_contacts",
]

_COLUMNS = ", ".join(CONTACT_FIELDS)
_CREATE = (
    "CREATE TABLE IF NOT EXISTS {table} (member_id TEXT PRIMARY KEY,"
    " email TEXT, paypal_email TEXT, wise_email TEXT, wise_name TEXT)"
)
# Any constant of our own: serialises CREATE TABLE between processes opening at once.
_POSTGRES_SETUP_KEY = 0x72_6C_63_6F_6E_74_61_63


class ContactStore(ABC):
    """Members' contacts: set (a partial update), get, erase; nothing is kept in the log."""

    def set(self, member_id: UUID, changes: dict[str, str | None]) -> Contact:
        """Apply ``changes`` (a value sets a field, ``""`` clears it, ``None`` keeps it)
        and return the contact as stored; a contact left with no field is deleted."""
        with self._locked(str(member_id)) as (current, write):
            contact = (current or Contact(str(member_id))).updated(changes)
            write(contact)
            return contact

    @abstractmethod
    def get(self, member_id: UUID) -> Contact | None:
        """The member's contact, or None if they have none."""

    @abstractmethod
    def erase(self, member_id: UUID) -> bool:
        """Delete the member's contact; True if there was one."""

    @abstractmethod
    def all(self) -> dict[str, Contact]:
        """Every contact, by member id (for writing payout files)."""

    @abstractmethod
    def close(self) -> None:
        """Release the store's connection."""

    @abstractmethod
    def _locked(self, member_id: str) -> Any:
        """A context giving (current contact, write) under one transaction."""


class MemoryContacts(ContactStore):
    """Contacts in a dictionary, for ``memory://`` and tests."""

    def __init__(self) -> None:
        self._rows: dict[str, Contact] = {}
        self._lock = threading.Lock()

    def get(self, member_id: UUID) -> Contact | None:
        return self._rows.get(str(member_id))

    def erase(self, member_id: UUID) -> bool:
        with self._lock:
            return self._rows.pop(str(member_id), None) is not None

    def all(self) -> dict[str, Contact]:
        return dict(self._rows)

    def close(self) -> None:
        """Nothing to release: the contacts go with the process."""

    @contextmanager
    def _locked(self, member_id: str) -> Iterator[tuple[Contact | None, Any]]:
        def write(contact: Contact) -> None:
            if contact.is_empty:
                self._rows.pop(member_id, None)
            else:
                self._rows[member_id] = contact

        with self._lock:
            yield self._rows.get(member_id), write


class _SqlContacts(ContactStore):
    """What the SQLite and PostgreSQL stores share: the statements, by placeholder."""

    table = "member_contacts"
    mark = "?"

    def _q(self, text: str) -> str:
        return text.replace("{table}", self.table).replace("?", self.mark)

    @abstractmethod
    def _transaction(self) -> Any:
        """A context yielding a cursor; commits on success, rolls back on error."""

    def get(self, member_id: UUID) -> Contact | None:
        with self._transaction() as cursor:
            return self._select(cursor, str(member_id), lock=False)

    def erase(self, member_id: UUID) -> bool:
        with self._transaction() as cursor:
            cursor.execute(self._q("DELETE FROM {table} WHERE member_id = ?"), (str(member_id),))
            return bool(cursor.rowcount)

    def all(self) -> dict[str, Contact]:
        with self._transaction() as cursor:
            cursor.execute(self._q(f"SELECT member_id, {_COLUMNS} FROM {{table}}"))
            return {row[0]: Contact(*row) for row in cursor.fetchall()}

    def _select(self, cursor: Any, member_id: str, *, lock: bool) -> Contact | None:
        suffix = " FOR UPDATE" if lock and self.mark == "%s" else ""
        cursor.execute(
            self._q(f"SELECT member_id, {_COLUMNS} FROM {{table}} WHERE member_id = ?{suffix}"),
            (member_id,),
        )
        row = cursor.fetchone()
        return None if row is None else Contact(*row)

    @contextmanager
    def _locked(self, member_id: str) -> Iterator[tuple[Contact | None, Any]]:
        with self._transaction() as cursor:
            self._lock_for_update(cursor, member_id)

            def write(contact: Contact) -> None:
                cursor.execute(self._q("DELETE FROM {table} WHERE member_id = ?"), (member_id,))
                if not contact.is_empty:
                    values = [getattr(contact, field) for field in CONTACT_FIELDS]
                    cursor.execute(
                        self._q(
                            f"INSERT INTO {{table}} (member_id, {_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
                        ),
                        (member_id, *values),
                    )

            yield self._select(cursor, member_id, lock=True), write

    def _lock_for_update(self, cursor: Any, member_id: str) -> None:
        """Hold what stops a concurrent ``set`` of the same member (SQLite: the write lock)."""


class SQLiteContacts(_SqlContacts):
    """Contacts in an SQLite file of their own, erased with ``secure_delete``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._connection = sqlite3.connect(
            self.path,
            timeout=busy_timeout_seconds(),
            isolation_level=None,
            check_same_thread=False,
        )
        self._lock = threading.Lock()
        # Zeros over every deleted or replaced value, in this file, for this connection
        # (the setting is per connection: every connection that writes must set it).
        self._connection.execute("PRAGMA secure_delete=ON")
        # A rollback journal: the journal holding the pre-erasure page is deleted when
        # the erasing transaction commits, where a WAL would keep it until checkpointed.
        self._connection.execute("PRAGMA journal_mode=DELETE")
        self._connection.execute(self._q(_CREATE))

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._lock:
            cursor = self._connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    def close(self) -> None:
        self._connection.close()


class PostgresContacts(_SqlContacts):
    """Contacts in the table ``member_contacts`` of the ledger's PostgreSQL schema."""

    mark = "%s"

    def __init__(self, env: dict[str, str]) -> None:
        from psycopg import sql  # only where PostgreSQL is used

        self._connection = postgres_connect({"POSTGRES_CONNECT_TIMEOUT": "5", **env})
        self._lock = threading.Lock()
        schema = env.get("POSTGRES_SCHEMA", "public")
        # The schema is a plain name (ledger.adapters.settings refuses any other).
        self.table = sql.Identifier(schema, "member_contacts").as_string(self._connection)
        with self._transaction() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_POSTGRES_SETUP_KEY,))
            cursor.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            cursor.execute(self._q(_CREATE))

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._lock, self._connection.transaction(), self._connection.cursor() as cursor:
            yield cursor

    def _lock_for_update(self, cursor: Any, member_id: str) -> None:
        # A transaction-scoped lock per member: two first ``set``s of one member
        # (no row yet for FOR UPDATE to lock) still apply one after the other.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (member_id,))

    def close(self) -> None:
        self._connection.close()


def contacts_path(ledger_path: str | Path) -> Path:
    """``ledger.db`` -> ``ledger.contacts.db`` (beside it)."""
    path = Path(ledger_path)
    return path.with_name(f"{path.stem}.contacts{path.suffix or '.db'}")


def open_contacts(setting: DatabaseSetting | str | None = None) -> ContactStore:
    """Open (creating if needed) the contact store beside the ledger ``setting`` names."""
    if not isinstance(setting, DatabaseSetting):
        setting = resolve_db_setting(setting)
    if setting.backend == "memory":
        return MemoryContacts()
    if setting.backend == "sqlite":
        return SQLiteContacts(contacts_path(setting.env["SQLITE_DBNAME"]))
    return PostgresContacts(setting.env)
