"""A ledger opened for reading only: an archived copy, a backup, a read-only mount.

Such a ledger answers every query; a command that would record is refused with
``ReadOnlyLedgerError`` (one line: why it cannot be written) before anything
reaches the store. Two stores can be opened so:

- an SQLite file this process cannot write (``unwritable_reason`` says why) is
  opened through an SQLite URI with ``mode=ro``, and no table is created. When its
  folder cannot be written either, SQLite cannot create the WAL index it needs to
  read a WAL database; then, if no write-ahead log is waiting beside the file,
  it is opened ``immutable=1`` (nothing can be writing it: a writer would need
  that index), else it is refused with the reason;
- ``memory://``, for an entry point whose process ends with the command (the
  CLI): what it recorded would be lost, so it records nothing.

A ledger on a full disk (``open_ledger`` raised ``StorageFullError``) is opened
so too, by ``open_full_ledger``: SQLite cannot create the WAL index there either,
so the same rule picks ``mode=ro`` or ``immutable=1``; its writes fail with the
``StorageFullError`` (503 / exit 2), not as a read-only copy.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, PersistenceError, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteFactory
from eventsourcing.utils import Environment, EnvType, get_topic, resolve_topic

from ledger.adapters.settings import ENV_VAR, DatabaseSetting
from ledger.adapters.storage import TranslatingRecorder
from ledger.application.ledger import Ledger
from ledger.domain.errors import (
    DatabaseSettingError,
    LedgerError,
    ReadOnlyLedgerError,
    StorageFullError,
    StorageUnavailableError,
)

__all__ = [
    "ReadOnlyLedgerError",
    "ReadOnlyPOPOFactory",
    "ReadOnlySQLiteFactory",
    "open_full_ledger",
    "open_read_only_ledger",
    "unwritable_reason",
]

# Why the ledger cannot be written: the message of every refused write, and its class.
REFUSAL = "READ_ONLY_REFUSAL"
REFUSAL_ERROR = "READ_ONLY_REFUSAL_ERROR"
# Set when the folder could be written but its disk is full: no file can be created.
NO_ROOM = "READ_ONLY_NO_ROOM"
# The smallest WAL index SQLite maps: one 32 KiB page.
_WAL_INDEX_BYTES = 32 * 1024


def unwritable_reason(path: Path) -> str | None:
    """Why this process cannot write the SQLite file ``path``, or None if it can.

    A missing file can be written if its folder can. An existing one needs the
    file and its folder (SQLite creates its write-ahead log and the log's index
    beside the file), unless both of those already exist and can be written.
    """
    folder = path.parent
    if not path.exists():
        return None if os.access(folder, os.W_OK) else f"its folder {str(folder)!r} is read-only"
    if not os.access(path, os.W_OK):
        return f"{str(path)!r} is read-only"
    companions = [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm")]
    if os.access(folder, os.W_OK) or all(os.access(file, os.W_OK) for file in companions):
        return None
    return f"its folder {str(folder)!r} is read-only (SQLite writes its log beside the file)"


class _RefusingRecorder(ApplicationRecorder):
    refusal = "this ledger is open for reading only"
    refusal_error: type[LedgerError] = ReadOnlyLedgerError

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        raise self.refusal_error(self.refusal)

    def refuse_as(self, env: Environment) -> None:
        self.refusal = env.get(REFUSAL, self.refusal)
        topic = env.get(REFUSAL_ERROR)
        if topic:
            self.refusal_error = resolve_topic(topic)


class _ReadOnlySQLiteRecorder(_RefusingRecorder, TranslatingRecorder, SQLiteApplicationRecorder):
    pass


class _ReadOnlyPOPORecorder(_RefusingRecorder, POPOApplicationRecorder):
    pass


class ReadOnlySQLiteFactory(SQLiteFactory):
    """Opens ``SQLITE_DBNAME`` read-only (see the module docstring); never creates tables."""

    application_recorder_class = _ReadOnlySQLiteRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        env = env if isinstance(env, Environment) else Environment(env=env)
        path = Path(env.get(self.SQLITE_DBNAME) or "")
        readable = Environment(env.name, env)
        readable[env.create_keys(self.SQLITE_DBNAME)[0]] = _read_only_uri(
            path, no_room=bool(env.get(NO_ROOM))
        )
        super().__init__(readable)

    def env_create_table(self) -> bool:
        return False

    def application_recorder(self) -> ApplicationRecorder:
        recorder = super().application_recorder()
        assert isinstance(recorder, _RefusingRecorder)
        recorder.refuse_as(self.env)
        return recorder


class ReadOnlyPOPOFactory(POPOFactory):
    """An in-memory store that stays empty: every write is refused."""

    def application_recorder(self) -> ApplicationRecorder:
        recorder = _ReadOnlyPOPORecorder()
        recorder.refuse_as(self.env)
        return recorder


def _read_only_uri(path: Path, *, no_room: bool = False) -> str:
    uri = path.resolve().as_uri()
    can_create = os.access(path.parent, os.W_OK) and not no_room
    shm = Path(f"{path}-shm")
    # On a full disk a failed open may leave a stub index that could never grow.
    if can_create or (shm.exists() and (not no_room or shm.stat().st_size >= _WAL_INDEX_BYTES)):
        return f"{uri}?mode=ro"
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db {str(path)!r}: its write-ahead log {str(wal)!r} holds writes"
            " not yet in the file, and reading them needs "
            + (
                "room on the disk; free some space"
                if no_room
                else "write access to the folder; copy the ledger with its -wal file to"
                " a folder you can write"
            )
        )
    return f"{uri}?immutable=1"


def open_full_ledger(setting: DatabaseSetting, full: StorageFullError) -> Ledger:
    """Open for reading the ledger on a full disk that ``setting`` names; every write
    fails with ``full`` (the disk is full: try again later), before it reaches the store."""
    return open_read_only_ledger(setting, str(full), error=StorageFullError, no_room=True)


def open_read_only_ledger(
    setting: DatabaseSetting,
    refusal: str,
    *,
    error: type[LedgerError] = ReadOnlyLedgerError,
    no_room: bool = False,
) -> Ledger:
    """Open the ledger ``setting`` names for reading only; writes raise ``error(refusal)``."""
    if setting.backend == "postgres":
        raise ValueError("a PostgreSQL ledger is made read-only by its privileges")
    path = setting.sqlite_path
    if path is not None and not path.exists():
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db {setting.url!r}: there is no ledger at {str(path)!r},"
            f" and {unwritable_reason(path) or 'it cannot be created'}"
        )
    factory = ReadOnlySQLiteFactory if path is not None else ReadOnlyPOPOFactory
    # Its own recorder, not the tree-keeping one the setting names: it writes nothing.
    kept = {key: value for key, value in setting.env.items() if key != "APPLICATION_RECORDER_TOPIC"}
    env = {
        **kept,
        "PERSISTENCE_MODULE": get_topic(factory),
        REFUSAL: refusal,
        REFUSAL_ERROR: get_topic(error),
        NO_ROOM: "y" if no_room else "",
    }
    try:
        ledger = Ledger(env=env)
        ledger.recorder.max_notification_id()
    except (PersistenceError, OSError, sqlite3.Error, StorageUnavailableError) as failure:
        text = str(failure).strip()
        reason = text.splitlines()[0] if text else type(failure).__name__
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db {setting.redacted_url!r}: cannot read the ledger: {reason}"
        ) from None
    return ledger
