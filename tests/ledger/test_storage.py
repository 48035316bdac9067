"""A busy, locked or full database fails as the ledger's own error, and records nothing."""

from __future__ import annotations

import errno
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import psycopg.errors
import pytest

from ledger import Ledger, open_ledger
from ledger.adapters.storage import storage_error
from ledger.domain.errors import StorageBusyError, StorageFullError, StorageUnavailableError
from tests.conftest import Databases


@pytest.fixture
def quick_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMIX_LEDGER_BUSY_TIMEOUT", "1")


@pytest.fixture
def sqlite_ledger(tmp_path: Path, quick_busy_timeout: None) -> Iterator[tuple[Ledger, Path]]:
    path = tmp_path / "ledger.db"
    ledger = open_ledger(str(path))
    ledger.register_member(handle="ana")
    yield ledger, path
    ledger.close()


def _limit_pages(ledger: Ledger, extra_pages: int) -> None:
    """SQLite's own "full": the ledger's connections may grow the file by ``extra_pages``."""
    pool = ledger.recorder.datastore.pool  # type: ignore[attr-defined]
    connections = [pool.get_connection(is_writer=False) for _ in range(pool.pool_size)]
    try:
        for connection in connections:
            raw = connection._sqlite_conn
            pages = raw.execute("PRAGMA page_count").fetchone()[0]
            raw.execute(f"PRAGMA max_page_count = {pages + extra_pages}")
    finally:
        for connection in connections:
            pool.put_connection(connection)


def test_a_write_into_a_database_at_its_page_limit_fails_as_full_and_records_nothing(
    sqlite_ledger: tuple[Ledger, Path],
) -> None:
    ledger, _ = sqlite_ledger
    _limit_pages(ledger, 0)
    head = ledger.head
    with pytest.raises(StorageFullError, match="is full; nothing was recorded"):
        for count in range(200):
            ledger.register_member(handle=f"member-{count}", name="x" * 200)
            head = ledger.head
    assert ledger.head == head
    assert ledger.find_member("ana")  # reads go on


def test_a_write_while_another_connection_holds_the_lock_fails_as_busy_after_the_busy_timeout(
    sqlite_ledger: tuple[Ledger, Path],
) -> None:
    ledger, path = sqlite_ledger
    head = ledger.head
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(StorageBusyError, match="locked by another writer"):
            ledger.register_member(handle="ben")
        assert time.monotonic() - started < 4  # REMIX_LEDGER_BUSY_TIMEOUT=1, not 5 or 30 s
        assert ledger.head == head
        assert ledger.find_member("ana")  # a writer holding the lock stops no reader
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    ledger.register_member(handle="ben")
    assert ledger.head > head


def test_a_postgres_write_waiting_for_a_lock_fails_as_busy_after_the_busy_timeout(
    databases: Databases, quick_busy_timeout: None
) -> None:
    url = databases.url("postgres")
    ledger = open_ledger(url)
    try:
        ledger.register_member(handle="ana")
        schema = url.rpartition("schema=")[2]
        base = url.partition("?")[0]
        with psycopg.connect(base) as holder:
            holder.execute(f'LOCK TABLE "{schema}".remixledger_events IN EXCLUSIVE MODE')
            with pytest.raises(StorageBusyError, match="busy"):
                ledger.register_member(handle="ben")
        assert ledger.find_member("ana")
    finally:
        ledger.close()


@pytest.mark.parametrize(
    ("error", "named"),
    [
        (sqlite3.OperationalError("database is locked"), StorageBusyError),
        (sqlite3.OperationalError("database or disk is full"), StorageFullError),
        (OSError(errno.ENOSPC, "No space left on device"), StorageFullError),
        (psycopg.errors.DiskFull("could not extend file"), StorageFullError),
        (
            psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
            StorageBusyError,
        ),
        (psycopg.OperationalError("connection refused"), StorageUnavailableError),
    ],
)
def test_each_driver_s_word_for_busy_or_full_is_named_by_the_ledger(
    error: Exception, named: type[StorageUnavailableError]
) -> None:
    assert type(storage_error(error)) is named


def test_other_driver_errors_are_not_taken_for_temporary_failures() -> None:
    assert storage_error(sqlite3.OperationalError("no such table: stored_events")) is None
    assert storage_error(sqlite3.OperationalError("disk I/O error")) is None  # no path: not "full"
    assert storage_error(ValueError("database is locked")) is None
