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
from eventsourcing.utils import Environment, EnvType, get_topic

from ledger.application import Ledger
from ledger.errors import DatabaseSettingError, ReadOnlyLedgerError
from ledger.settings import ENV_VAR, DatabaseSetting

__all__ = [
    "ReadOnlyLedgerError",
    "ReadOnlyPOPOFactory",
    "ReadOnlySQLiteFactory",
    "open_read_only_ledger",
    "unwritable_reason",
]

# Why the ledger cannot be written: the message of every refused write.
REFUSAL = "READ_ONLY_REFUSAL"


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

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        raise ReadOnlyLedgerError(self.refusal)


class _ReadOnlySQLiteRecorder(_RefusingRecorder, SQLiteApplicationRecorder):
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
        readable[env.create_keys(self.SQLITE_DBNAME)[0]] = _read_only_uri(path)
        super().__init__(readable)

    def env_create_table(self) -> bool:
        return False

    def application_recorder(self) -> ApplicationRecorder:
        recorder = super().application_recorder()
        assert isinstance(recorder, _RefusingRecorder)
        recorder.refusal = self.env.get(REFUSAL, recorder.refusal)
        return recorder


class ReadOnlyPOPOFactory(POPOFactory):
    """An in-memory store that stays empty: every write is refused."""

    def application_recorder(self) -> ApplicationRecorder:
        recorder = _ReadOnlyPOPORecorder()
        recorder.refusal = self.env.get(REFUSAL, recorder.refusal)
        return recorder


def _read_only_uri(path: Path) -> str:
    uri = path.resolve().as_uri()
    if os.access(path.parent, os.W_OK) or Path(f"{path}-shm").exists():
        return f"{uri}?mode=ro"
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db {str(path)!r}: its write-ahead log {str(wal)!r} holds writes"
            " not yet in the file, and reading them needs write access to the folder;"
            " copy the ledger with its -wal file to a folder you can write"
        )
    return f"{uri}?immutable=1"


def open_read_only_ledger(setting: DatabaseSetting, refusal: str) -> Ledger:
    """Open the ledger ``setting`` names for reading only; writes raise ``refusal``."""
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
    env = {**kept, "PERSISTENCE_MODULE": get_topic(factory), REFUSAL: refusal}
    try:
        ledger = Ledger(env=env)
        ledger.recorder.max_notification_id()
    except (PersistenceError, OSError, sqlite3.Error) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db {setting.redacted_url!r}: cannot read the ledger: {reason}"
        ) from None
    return ledger
