"""The PostgreSQL recorder that keeps the tree in the events' own transactions.

A module of its own so that SQLite installations never import psycopg. How the
tree is kept, and why the locks cannot deadlock: ``ledger.transparency.recorders``
and decision 006.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.rows import tuple_row
from psycopg.sql import SQL

from ledger.adapters.storage import TranslatingRecorder
from ledger.transparency.recorders import TreeKeeper
from ledger.transparency.tables import postgres_tables

__all__ = ["TOPIC", "TreeKeepingPostgresRecorder"]

TOPIC = "ledger.transparency.postgres_recorder:TreeKeepingPostgresRecorder"


class TreeKeepingPostgresRecorder(TranslatingRecorder, PostgresApplicationRecorder):
    """The library's PostgreSQL application recorder, adding the leaves of the events it
    inserts once it has their positions, under its lock on the events table.

    The hook is ``_fetch_ids_after_insert_events``, not ``_insert_events`` as on
    SQLite: the library's PostgreSQL recorder calls ``_insert_events`` before the
    insert (for its tracking row), and the positions first exist here.
    """

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        tables = postgres_tables(datastore, events_table_name)
        self._tree = TreeKeeper(tables)
        self._lock_tree = f"LOCK TABLE {tables.leaves} IN EXCLUSIVE MODE"
        self.sql_create_statements += [SQL(text) for text in tables.create_statements()]  # type: ignore[misc]

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if positions:
            with curs.connection.cursor(row_factory=tuple_row) as cursor:
                cursor.execute(self._lock_tree)
                self._tree.keep(cursor, list(positions), stored_events)
        return positions
