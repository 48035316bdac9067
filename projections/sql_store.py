"""The read models in SQL: the SQL both databases share, and the SQLite store.

Each store is the eventsourcing library's tracking recorder for its database,
with the read models' tables created beside the tracking table; ``commit``
writes a batch's rows and its tracking position in one transaction.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import (
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteDatastore,
    SQLiteTrackingRecorder,
)

from ledger.adapters.settings import busy_timeout_seconds
from projections.bulk_rows import BatchValues
from projections.listing import WorkQuery
from projections.ordering import RankBy, WorkFilter, sql_order
from projections.rows import MemberRow, WorkRow
from projections.sql_tables import (
    COLUMNS,
    DEFERRED_INDEXES,
    INDEXES,
    TABLE_SQL,
    WorkColumns,
    from_record,
    insert_sql,
    subject_values,
    upsert_sql,
    values_for,
)
from projections.staging import TABLES, Changes
from projections.store import UPSTREAM

__all__ = ["SCHEMA_VERSION", "SQLiteReadModels", "SqlReadModels", "ViewsDatastore"]

# Bump when the tables change: stores of another version are dropped and rebuilt
# (read models are derived data, so nothing is lost).
SCHEMA_VERSION = 6

_KEY = {table: columns[0] for table, columns in COLUMNS.items()}


class SqlReadModels:
    """The SQL shared by both databases, written with ``:name`` parameters."""

    prefix = "rl_"
    types = {"real": "REAL", "int": "INTEGER"}
    # What follows the columns of a table with a primary key (SQLite: WITHOUT ROWID).
    keyed_table_options = ""
    # The positional parameter marker of the driver (writes pass tuples, not dicts).
    param = "?"

    if TYPE_CHECKING:
        # Provided by the subclasses and by the library's tracking recorders.
        def _transaction(self, *, commit: bool) -> AbstractContextManager[Any]: ...

        def _insert_tracking(self, cursor: Any, tracking: Tracking) -> None: ...

    _work_columns: WorkColumns  # set by each store's __init__

    def _sql(self, text: str) -> str:
        return text.replace("{prefix}", self.prefix)

    def _view_table_statements(self) -> list[str]:
        statements = [
            f"CREATE TABLE IF NOT EXISTS {self.prefix}{table} ({body.format(**self.types)})"
            + (self.keyed_table_options if "PRIMARY KEY" in body else "")
            for table, body in TABLE_SQL.items()
        ]
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {self.prefix}schema (version {self.types['int']})"
        )
        indexes = [*INDEXES, *DEFERRED_INDEXES.values()]
        return statements + [self._sql(index) for index in indexes]

    def _rows(self, cursor: Any, text: str, params: dict[str, Any]) -> list[Any]:
        cursor.execute(self._sql(text), params)
        return list(cursor.fetchall())

    # -- the store protocol

    def load(self, table: str, key: UUID) -> Any:
        with self._transaction(commit=False) as cursor:
            records = self._rows(
                cursor,
                f"SELECT * FROM {{prefix}}{table} WHERE {_KEY[table]} = :key",
                {"key": key.hex},
            )
        return from_record(table, records[0]) if records else None

    def commit(self, changes: Changes, tracking: Tracking) -> None:
        values: BatchValues = {
            table: [
                values_for(table, key, row, self._work_columns)
                for key, row in changes.rows[table].items()
            ]
            for table in TABLES
        }
        values["edges"] = [values_for("edges", edge.source, edge) for edge in changes.edges]
        values["history_subjects"] = subject_values(changes.history)
        self.commit_values(values, tracking)

    def commit_values(self, values: BatchValues, tracking: Tracking) -> None:
        """Write a batch given as its columns, and its tracking position, in one transaction."""
        with self._transaction(commit=True) as cursor:
            # Tracking first: a batch already applied fails here, before any row.
            self._insert_tracking(cursor, tracking)
            for table in TABLES:
                if values[table]:
                    cursor.executemany(upsert_sql(self.prefix, table, self.param), values[table])
            for table in ("edges", "history_subjects"):
                if values[table]:
                    cursor.executemany(insert_sql(self.prefix, table, self.param), values[table])

    def _schema_is_current(self) -> bool:
        try:
            with self._transaction(commit=False) as cursor:
                rows = self._rows(cursor, "SELECT version FROM {prefix}schema", {})
        except Exception:
            return False
        return bool(rows) and rows[0]["version"] == SCHEMA_VERSION

    def _drop_tables(self, cursor: Any) -> None:
        # "history": the rendered events schema 4 kept (now read from the log).
        for table in (*TABLES, "edges", "history", "history_subjects", "schema"):
            cursor.execute(self._sql(f"DROP TABLE IF EXISTS {{prefix}}{table}"), {})

    def _stamp_schema(self, cursor: Any) -> None:
        cursor.execute(self._sql("DELETE FROM {prefix}schema"), {})
        cursor.execute(
            self._sql("INSERT INTO {prefix}schema (version) VALUES (:v)"), {"v": SCHEMA_VERSION}
        )

    def _reset_tables(self, cursor: Any) -> None:
        for table in (*TABLES, "edges", "history_subjects"):
            cursor.execute(self._sql(f"DELETE FROM {{prefix}}{table}"), {})
        for name in DEFERRED_INDEXES:
            cursor.execute(self._sql(f"DROP INDEX IF EXISTS {{prefix}}{name}"), {})

    def rebuilt(self) -> None:
        with self._transaction(commit=True) as cursor:
            for index in DEFERRED_INDEXES.values():
                cursor.execute(self._sql(index), {})

    def ranked_works(
        self, by: RankBy, where: WorkFilter, limit: int, offset: int, half_life_hours: float
    ) -> list[WorkRow]:
        conditions = ["retracted = 0"]
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if where.kind is not None:
            conditions.append("kind = :kind")
            params["kind"] = where.kind
        if where.since_epoch is not None:
            conditions.append("created_epoch >= :since")
            params["since"] = where.since_epoch
        if where.until_epoch is not None:
            conditions.append("created_epoch < :until")
            params["until"] = where.until_epoch
        if where.never_remixed:
            conditions.append("direct_remixes = 0")
        if by is RankBy.hot:
            params["half_life"] = half_life_hours
        text = (
            f"SELECT * FROM {{prefix}}works WHERE {' AND '.join(conditions)}"
            f" {sql_order(by)} LIMIT :limit OFFSET :offset"
        )
        with self._transaction(commit=False) as cursor:
            return [from_record("works", r) for r in self._rows(cursor, text, params)]

    def leaderboard(self, limit: int, offset: int) -> list[MemberRow]:
        text = (
            "SELECT * FROM {prefix}members ORDER BY remixes_received DESC,"
            " (votes_up - votes_down) DESC, works DESC, handle ASC LIMIT :limit OFFSET :offset"
        )
        with self._transaction(commit=False) as cursor:
            records = self._rows(cursor, text, {"limit": limit, "offset": offset})
        return [from_record("members", r) for r in records]

    def listed_works(self, query: WorkQuery, after: int, limit: int) -> list[WorkRow]:
        """``projections.listing.list_works`` in SQL (the works' indexes by position,
        kind and retraction; a plain scan for an author or title text)."""
        conditions = ["position > :after"]
        params: dict[str, Any] = {"after": after, "limit": limit}
        if query.kind is not None:
            conditions.append("kind = :kind")
            params["kind"] = query.kind
        if query.retracted is not None:
            conditions.append("retracted = :retracted")
            params["retracted"] = int(query.retracted)
        if query.author is not None:
            # authors is a JSON list of hex ids: a quoted hex matches one exactly.
            conditions.append("authors LIKE :author")
            params["author"] = f'%"{query.author.hex}"%'
        if query.author is not None or query.title is not None:
            # Few works match: one plain pass over the table beats walking the
            # position index ("+position" keeps SQLite off it), whose random reads
            # cost 20 times as much per row.
            conditions[0] = "+position > :after"
        where = " AND ".join(conditions)
        text = f"SELECT * FROM {{prefix}}works WHERE {where} ORDER BY position LIMIT :limit"
        if query.title is None:
            with self._transaction(commit=False) as cursor:
                records = self._rows(cursor, text, params)
            return [from_record("works", r) for r in records]
        # Title text without regard to case, exactly as Python's casefold (LIKE and
        # LOWER differ between backends beyond ASCII): one pass over the titles,
        # then only the first matches are read whole.
        needle = query.title.casefold()
        scan = self._sql(f"SELECT position, title FROM {{prefix}}works WHERE {where}")
        with self._transaction(commit=False) as cursor:
            cursor.execute(scan, params)
            wanted = heapq.nsmallest(
                limit,
                (r["position"] for r in _streamed(cursor) if needle in r["title"].casefold()),
            )
        if not wanted:
            return []
        # Parameter names of letters only (the PostgreSQL store rewrites :name).
        names = [f"p{_letters(n)}" for n in range(len(wanted))]
        marks = ", ".join(f":{name}" for name in names)
        fetch = f"SELECT * FROM {{prefix}}works WHERE position IN ({marks}) ORDER BY position"
        with self._transaction(commit=False) as cursor:
            records = self._rows(cursor, fetch, dict(zip(names, wanted, strict=True)))
        return [from_record("works", r) for r in records]

    def listed_members(self, after: str, limit: int) -> list[MemberRow]:
        """``projections.listing.list_members`` in SQL (by the members' handle index)."""
        text = "SELECT * FROM {prefix}members WHERE handle > :after ORDER BY handle LIMIT :limit"
        with self._transaction(commit=False) as cursor:
            records = self._rows(cursor, text, {"after": after, "limit": limit})
        return [from_record("members", r) for r in records]

    def history(self, subject: UUID, after: int, limit: int, as_of: int | None) -> list[int]:
        text = (
            "SELECT position FROM {prefix}history_subjects"
            " WHERE subject_id = :subject AND position > :after"
        )
        params: dict[str, Any] = {"subject": subject.hex, "after": after, "limit": limit}
        if as_of is not None:
            text += " AND position <= :as_of"
            params["as_of"] = as_of
        with self._transaction(commit=False) as cursor:
            records = self._rows(cursor, text + " ORDER BY position LIMIT :limit", params)
        return [record["position"] for record in records]

    def descendant_count(self, work_id: UUID) -> int:
        text = (
            "WITH RECURSIVE below(id) AS ("
            " SELECT derived FROM {prefix}edges WHERE source = :work"
            " UNION SELECT e.derived FROM {prefix}edges e JOIN below ON e.source = below.id)"
            " SELECT COUNT(*) AS n FROM below"
        )
        with self._transaction(commit=False) as cursor:
            return int(self._rows(cursor, text, {"work": work_id.hex})[0]["n"])

    def keys(self) -> dict[str, set[UUID]]:
        found: dict[str, set[UUID]] = {}
        with self._transaction(commit=False) as cursor:
            for table in TABLES:
                text = f"SELECT {_KEY[table]} AS k FROM {{prefix}}{table}"
                found[table] = {UUID(record["k"]) for record in self._rows(cursor, text, {})}
        return found

    def dump(self) -> dict[str, list[Any]]:
        dumped: dict[str, list[Any]] = {}
        with self._transaction(commit=False) as cursor:
            for table in TABLES:
                records = self._rows(cursor, f"SELECT * FROM {{prefix}}{table}", {})
                rows = [(UUID(r[_KEY[table]]), from_record(table, r)) for r in records]
                dumped[table] = sorted(rows, key=lambda item: str(item[0]))
            edges = [
                from_record("edges", r)
                for r in self._rows(cursor, "SELECT * FROM {prefix}edges", {})
            ]
            dumped["edges"] = sorted(edges, key=lambda e: (str(e.source), str(e.derived)))
            subjects = self._rows(cursor, "SELECT * FROM {prefix}history_subjects", {})
            dumped["history"] = sorted((UUID(r["subject_id"]), r["position"]) for r in subjects)
        return dumped


def _streamed(cursor: Any, size: int = 10_000) -> Iterator[Any]:
    """The cursor's rows, fetched a few thousand at a time (the library's SQLite
    cursor wraps the driver's, which alone has ``fetchmany``)."""
    driver_cursor = getattr(cursor, "sqlite_cursor", cursor)
    while rows := driver_cursor.fetchmany(size):
        yield from rows


def _letters(number: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "ba": a number written in letters."""
    text = ""
    while True:
        number, digit = divmod(number, 26)
        text = chr(ord("a") + digit) + text
        if not number:
            return text


# Page cache per connection (KiB): a rebuild's tables and indexes stay in memory.
VIEWS_CACHE_KIB = 262_144


class _ViewsConnectionPool(SQLiteConnectionPool):
    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        raw = connection._sqlite_conn
        # In WAL mode, NORMAL syncs only at checkpoints, not at every commit. A
        # transaction is still atomic: after a crash, or a power loss, the views
        # hold the rows of exactly the batches whose tracking position they hold
        # (a power loss may roll back the last few of both together, which the
        # projector then applies again). The ledger keeps its own, full sync.
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute(f"PRAGMA cache_size=-{VIEWS_CACHE_KIB}")
        return connection


class ViewsDatastore(SQLiteDatastore):
    """The library's SQLite datastore, with the pragmas the read models' file uses."""

    def __init__(self, db_name: str) -> None:
        super().__init__(db_name=db_name)
        self.pool = _ViewsConnectionPool(db_name=db_name, lock_timeout=busy_timeout_seconds())


class SQLiteReadModels(SqlReadModels, SQLiteTrackingRecorder):
    """The read models in an SQLite file of their own (beside the ledger's file)."""

    # The rows keyed by an id live in their primary key's B-tree: one B-tree to
    # search and change per upsert instead of the key's index and the rowid table.
    keyed_table_options = " WITHOUT ROWID"

    def __init__(self, datastore: SQLiteDatastore) -> None:
        super().__init__(datastore)
        self._work_columns = WorkColumns()

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self._view_table_statements()]

    def create_table(self) -> None:
        if not self._schema_is_current():
            with self._transaction(commit=True) as cursor:
                self._drop_tables(cursor)
                cursor.execute("DROP TABLE IF EXISTS tracking")
        super().create_table()
        with self._transaction(commit=True) as cursor:
            self._stamp_schema(cursor)

    def _transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=commit)

    def reset(self) -> None:
        with self._transaction(commit=True) as cursor:
            self._reset_tables(cursor)
            cursor.execute("DELETE FROM tracking WHERE application_name = ?", (UPSTREAM,))

    def close(self) -> None:
        self.datastore.close()
