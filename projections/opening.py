"""Where a ledger's read models live, chosen by the same database setting as the ledger.

- SQLite ``path/ledger.db``: a file of their own beside it, ``path/ledger.views.db``
  (the library fixes table names per SQLite file, and a separate file keeps the
  projector from contending with the ledger's writer; delete it to start afresh).
  When that file cannot be written (an archived ledger, a read-only mount), they
  are built in memory for the one process: a reader never writes beside a ledger
  it was not given to write, and a cached copy elsewhere could not be checked
  against the log it came from. So too on a full disk, where SQLite could not
  even open the file to read it: reads go on while writes cannot;
- PostgreSQL: tables ``rl_*`` and ``rl_tracking`` in the ledger's database and schema;
- ``memory://``: in memory, in the process that holds the ledger.
"""

from __future__ import annotations

from pathlib import Path

from eventsourcing.utils import Environment

from ledger.adapters.read_only import unwritable_reason
from ledger.adapters.settings import DatabaseSetting, resolve_db_setting
from ledger.adapters.storage import disk_is_full
from ledger.application.ledger import postgres_setup_lock
from projections.memory_store import MemoryReadModels
from projections.sql_store import SQLiteReadModels, ViewsDatastore
from projections.store import ReadModelStore

__all__ = ["open_read_models", "views_path"]


def views_path(ledger_path: str) -> str:
    """``ledger.db`` -> ``ledger.views.db`` (beside it)."""
    path = Path(ledger_path)
    return str(path.with_name(f"{path.stem}.views{path.suffix or '.db'}"))


def open_read_models(setting: DatabaseSetting | str | None = None) -> ReadModelStore:
    """Open (creating if needed) the read-model store for a database setting."""
    if not isinstance(setting, DatabaseSetting):
        setting = resolve_db_setting(setting)
    if setting.backend == "memory":
        return MemoryReadModels()
    if setting.backend == "sqlite":
        path = views_path(setting.env["SQLITE_DBNAME"])
        if unwritable_reason(Path(path)) is not None or disk_is_full(path):
            return MemoryReadModels()
        datastore = ViewsDatastore(path)
        sqlite_store = SQLiteReadModels(datastore)
        sqlite_store.create_table()
        return sqlite_store
    # Imported here: the PostgreSQL driver is an optional extra.
    from eventsourcing.postgres import PostgresFactory

    from projections.postgres_store import PostgresReadModels

    factory = PostgresFactory(Environment("RemixLedger", setting.env))
    postgres_store = PostgresReadModels(factory.datastore)
    with postgres_setup_lock(setting.env):
        postgres_store.create_table()
    return postgres_store
