"""Whether a database setting names a ledger that exists, asked without creating one.

A query must not leave a ledger behind where there was none (an SQLite file, its
write-ahead log, the tables of a PostgreSQL schema), so it asks first.
"""

from __future__ import annotations

from ledger.adapters.settings import ENV_VAR, DatabaseSetting
from ledger.domain.errors import DatabaseSettingError

__all__ = ["EVENTS_TABLE", "names_a_ledger"]

#: The events table eventsourcing names after the application (``Ledger.name``).
EVENTS_TABLE = "remixledger_events"


def names_a_ledger(setting: DatabaseSetting) -> bool:
    """True when the ledger ``setting`` names exists (``memory://`` always does).

    SQLite: the file exists. PostgreSQL: the schema holds the events table; an
    empty or missing schema is no ledger. Nothing is created in either case.
    """
    if setting.backend == "memory":
        return True
    path = setting.sqlite_path
    if path is not None:
        return path.is_file()
    # Imported here: the PostgreSQL driver is an optional extra.
    import psycopg

    from ledger.adapters.postgres import postgres_connect

    try:
        with postgres_connect(setting.env) as connection:
            row = connection.execute(
                "SELECT 1 FROM information_schema.tables"
                " WHERE table_schema = coalesce(%s, 'public') AND table_name = %s",
                # eventsourcing's own default schema is 'public'.
                (setting.env.get("POSTGRES_SCHEMA"), EVENTS_TABLE),
            ).fetchone()
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db {setting.redacted_url!r}: cannot open the ledger: {reason}"
        ) from None
    return row is not None
