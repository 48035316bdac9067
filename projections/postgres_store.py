"""The read models in PostgreSQL: tables ``rl_*`` beside the ledger's, in its schema.

Kept apart from ``sql_store`` so that the embedded (SQLite) installation never
imports the PostgreSQL driver, an optional extra.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from typing import Any

from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg.sql import SQL

from projections.sql_store import SqlReadModels
from projections.sql_tables import WorkColumns
from projections.store import UPSTREAM

__all__ = ["PostgresReadModels"]


class PostgresReadModels(SqlReadModels, PostgresTrackingRecorder):
    """The read models in the ledger's PostgreSQL database (and schema)."""

    types = {"real": "DOUBLE PRECISION", "int": "BIGINT"}
    param = "%s"

    def __init__(self, datastore: PostgresDatastore) -> None:
        super().__init__(datastore, tracking_table_name="rl_tracking")
        self._work_columns = WorkColumns()
        self._schema = datastore.schema.replace('"', '""')
        self.prefix = f'"{self._schema}".rl_'
        for statement in self._view_table_statements():
            self.sql_create_statements.append(SQL(statement))  # type: ignore[arg-type]

    def _sql(self, text: str) -> str:
        # psycopg takes %(name)s where SQLite takes :name.
        return re.sub(r":([a-z_]+)", r"%(\1)s", super()._sql(text))

    def _transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=commit)

    def create_table(self) -> None:
        if not self._schema_is_current():
            with self._transaction(commit=True) as cursor:
                self._drop_tables(cursor)
                cursor.execute(f'DROP TABLE IF EXISTS "{self._schema}".rl_tracking')
        super().create_table()
        with self._transaction(commit=True) as cursor:
            self._stamp_schema(cursor)

    def reset(self) -> None:
        with self._transaction(commit=True) as cursor:
            self._reset_tables(cursor)
            cursor.execute(
                f'DELETE FROM "{self._schema}".rl_tracking WHERE application_name = %s',
                (UPSTREAM,),
            )

    def close(self) -> None:
        self.datastore.close()
