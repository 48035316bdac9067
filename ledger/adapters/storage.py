"""Temporary storage failures, named: a database that is busy, locked or full.

The drivers say these things in their own words: SQLite's ``database is locked``
(SQLITE_BUSY), ``database or disk is full`` (SQLITE_FULL), or a ``disk I/O error``
when it cannot even create its write-ahead log's index on a full disk; the
operating system's ENOSPC; psycopg's DiskFull, LockNotAvailable and its
OperationalError when the server does not answer. ``storage_error`` turns each
into the ledger's own ``StorageBusyError`` / ``StorageFullError`` /
``StorageUnavailableError``, so that the entry points can answer "try again later"
(HTTP 503 with ``Retry-After``, CLI one line and exit 2) instead of an internal
error. Anything else is not a temporary failure, and is left as it is.

``TranslatingRecorder`` applies it where the ledger meets the store (its
application recorders); the read models' store and the projector use
``storage_error`` directly.

How long a writer waits for another writer's lock before giving up is one
setting, ``REMIX_LEDGER_BUSY_TIMEOUT`` (``ledger.settings.busy_timeout_seconds``).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from ledger.adapters.settings import busy_timeout_seconds
from ledger.domain.errors import (
    StorageBusyError,
    StorageFullError,
    StorageUnavailableError,
)

__all__ = [
    "TranslatingRecorder",
    "disk_is_full",
    "storage_error",
    "translating",
]

# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 5, 6, 10, 13, 14
# PostgreSQL's SQLSTATEs: disk_full, out_of_memory... (class 53), lock_not_available,
# deadlock_detected, serialization_failure, and admin/crash shutdown (57P0x).
_PG_FULL = ("53100", "53200", "53300")
_PG_BUSY = ("55P03", "40P01", "40001")
# Less than this much free space left is a full disk: SQLite needs whole pages,
# and its write-ahead log's index 32 kB, to read a WAL database at all.
_FULL_BELOW_BYTES = 64 * 1024
T = TypeVar("T")


def disk_is_full(path: str | Path) -> bool:
    """Whether the file system holding ``path`` (a file or a folder) has no room left."""
    folder = Path(path)
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < _FULL_BELOW_BYTES


def storage_error(
    error: BaseException, path: str | Path | None = None
) -> StorageUnavailableError | None:
    """The ledger's name for ``error`` when it is a temporary storage failure, else None.

    ``path`` (the database file) lets an SQLite I/O error count as "full" when
    its file system is: SQLite reports a full disk so when it cannot grow its
    write-ahead log's index.
    """
    for cause in _chain(error):
        if isinstance(cause, StorageUnavailableError):
            return cause
        if isinstance(cause, sqlite3.Error):
            return _sqlite(cause, path)
        if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
            return StorageFullError(_full_message(path))
        sqlstate = getattr(cause, "sqlstate", None)
        if isinstance(sqlstate, str) and type(cause).__module__.startswith("psycopg"):
            return _postgres(cause, sqlstate)
        if type(cause).__name__ == "OperationalError" and type(cause).__module__.startswith(
            "psycopg"
        ):
            return StorageUnavailableError(f"the database does not answer: {_first_line(cause)}")
    return None


def _sqlite(error: sqlite3.Error, path: str | Path | None) -> StorageUnavailableError | None:
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(error).lower()
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in text or "is busy" in text:
        return StorageBusyError(
            "the database is locked by another writer (waited"
            f" {busy_timeout_seconds()}s); nothing was recorded; try again shortly"
        )
    if primary == _SQLITE_FULL or "disk is full" in text:
        return StorageFullError(_full_message(path))
    io_error = primary in (_SQLITE_IOERR, _SQLITE_CANTOPEN) or "disk i/o error" in text
    if io_error and path is not None and disk_is_full(path):
        return StorageFullError(_full_message(path))
    return None


def _postgres(error: BaseException, sqlstate: str) -> StorageUnavailableError | None:
    if sqlstate in _PG_FULL:
        return StorageFullError(
            f"the database server is out of space ({_first_line(error)}); nothing was"
            " recorded; reads go on"
        )
    if sqlstate in _PG_BUSY:
        return StorageBusyError(
            f"the database is busy ({_first_line(error)}); nothing was recorded; try again shortly"
        )
    if sqlstate.startswith(("08", "57P")):
        return StorageUnavailableError(f"the database does not answer: {_first_line(error)}")
    return None


def _full_message(path: str | Path | None) -> str:
    where = "" if path is None else f" holding {str(path)!r}"
    return f"the disk{where} is full; nothing was recorded; reads go on"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def sqlite_file_of(db_name: str) -> Path:
    """The file an SQLite database name or ``file:`` URI names."""
    if db_name.startswith("file:"):
        return Path(unquote(urlsplit(db_name).path))
    return Path(db_name)


@contextmanager
def translating(path: str | Path | None = None) -> Iterator[None]:
    """Raise a temporary storage failure in the block as the ledger's own error."""
    try:
        yield
    except StorageUnavailableError:
        raise
    except Exception as error:
        named = storage_error(error, path)
        if named is None:
            raise
        raise named from None


class TranslatingRecorder:
    """A mixin for an eventsourcing application recorder: what it reads and writes
    fails as ``StorageBusyError`` / ``StorageFullError`` when the store is busy or full."""

    datastore: Any

    def _storage_path(self) -> Path | None:
        pool = getattr(self.datastore, "pool", None)
        name = getattr(pool, "db_name", None)
        return sqlite_file_of(name) if isinstance(name, str) else None

    def _translated(self, call: Callable[[], T]) -> T:
        with translating(self._storage_path()):
            return call()

    def insert_events(self, stored_events: Sequence[Any], **kwargs: Any) -> Any:
        parent: Any = super()
        return self._translated(lambda: parent.insert_events(stored_events, **kwargs))

    def select_events(self, *args: Any, **kwargs: Any) -> Any:
        parent: Any = super()
        return self._translated(lambda: parent.select_events(*args, **kwargs))

    def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
        parent: Any = super()
        return self._translated(lambda: parent.select_notifications(*args, **kwargs))

    def max_notification_id(self) -> Any:
        parent: Any = super()
        return self._translated(lambda: parent.max_notification_id())
