"""The read models' tables in SQL, and how rows map to and from their columns.

One schema for SQLite and PostgreSQL: ids and times are text (UUID hex, ISO 8601
in UTC), counts are integers, scores are floats; only the float and integer type
names differ. The histories are an index into the log: one narrow row of
``history_subjects`` (subject, position) for each member, work... whose history an
event appears in; the events themselves are read from the log when a history is
(``projections.histories``). ``created_epoch`` (Unix seconds) and ``hours`` (since 2000-01-01)
are stored beside ``created_at`` so that periods and the hot ordering run in SQL.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from projections.rows import CommentRow, EdgeRow, MemberRow, NameRow, VoteRow, WorkRow
from projections.scores import hours_since_epoch, log_abs_net, wilson_lower_bound

__all__ = [
    "DEFERRED_INDEXES",
    "INDEXES",
    "TABLE_SQL",
    "WorkColumns",
    "from_record",
    "insert_sql",
    "subject_values",
    "upsert_sql",
    "values_for",
]

TABLE_SQL = {
    "works": (
        "work_id TEXT PRIMARY KEY, title TEXT NOT NULL, kind TEXT NOT NULL, authors TEXT NOT NULL,"
        " created_at TEXT NOT NULL, created_epoch {real} NOT NULL, hours {real} NOT NULL,"
        " position {int} NOT NULL, retracted {int} NOT NULL, up {int} NOT NULL,"
        " down {int} NOT NULL, comments {int} NOT NULL, direct_remixes {int} NOT NULL,"
        " wilson {real} NOT NULL, net_sign {int} NOT NULL, log_abs {real} NOT NULL"
    ),
    "members": (
        "member_id TEXT PRIMARY KEY, handle TEXT NOT NULL, name TEXT NOT NULL,"
        " works {int} NOT NULL, remixes_received {int} NOT NULL, votes_up {int} NOT NULL,"
        " votes_down {int} NOT NULL"
    ),
    "votes": (
        "vote_id TEXT PRIMARY KEY, member_id TEXT NOT NULL, work_id TEXT NOT NULL,"
        " value {int} NOT NULL"
    ),
    "comments": "comment_id TEXT PRIMARY KEY, work_id TEXT NOT NULL, retracted {int} NOT NULL",
    "names": "id TEXT PRIMARY KEY, name TEXT NOT NULL, position {int} NOT NULL",
    "edges": (
        "source TEXT NOT NULL, derived TEXT NOT NULL, relation TEXT NOT NULL,"
        " position {int} NOT NULL, PRIMARY KEY (source, derived)"
    ),
    # The index of the histories: which events (positions) each subject appears in.
    # Its key is a unique index, not a primary key, so a rebuild can drop it and
    # build it once at the end (DEFERRED_INDEXES).
    "history_subjects": "subject_id TEXT NOT NULL, position {int} NOT NULL",
}
# Kept up as rows come (works arrive in position order; members are few): the
# orders ``projections.listing`` pages in.
INDEXES: tuple[str, ...] = (
    "CREATE INDEX IF NOT EXISTS rl_works_position ON {prefix}works (position)",
    "CREATE INDEX IF NOT EXISTS rl_works_kind ON {prefix}works (kind, position)",
    "CREATE INDEX IF NOT EXISTS rl_works_retracted ON {prefix}works (retracted, position)",
    "CREATE INDEX IF NOT EXISTS rl_members_handle ON {prefix}members (handle)",
)
# Indexes a rebuild drops at its start and creates at its end: inserting 2.5
# (subject, position) pairs an event into a B-tree keyed by random ids cost a 1M-event
# rebuild more than sorting them all once, and the same holds, less, for the
# citations by derived work and the works by creation time. They are created
# whenever the store is opened too, so a rebuild that stopped half-way leaves them
# missing only until then. Index names are never schema-qualified (PostgreSQL puts
# them beside their table).
DEFERRED_INDEXES = {
    "history_subjects_key": (
        "CREATE UNIQUE INDEX IF NOT EXISTS rl_history_subjects_key"
        " ON {prefix}history_subjects (subject_id, position)"
    ),
    "edges_derived": "CREATE INDEX IF NOT EXISTS rl_edges_derived ON {prefix}edges (derived)",
    "works_created": (
        "CREATE INDEX IF NOT EXISTS rl_works_created ON {prefix}works (created_epoch)"
    ),
}

COLUMNS = {
    "works": (
        "work_id",
        "title",
        "kind",
        "authors",
        "created_at",
        "created_epoch",
        "hours",
        "position",
        "retracted",
        "up",
        "down",
        "comments",
        "direct_remixes",
        "wilson",
        "net_sign",
        "log_abs",
    ),
    "members": (
        "member_id",
        "handle",
        "name",
        "works",
        "remixes_received",
        "votes_up",
        "votes_down",
    ),
    "votes": ("vote_id", "member_id", "work_id", "value"),
    "comments": ("comment_id", "work_id", "retracted"),
    "names": ("id", "name", "position"),
    "edges": ("source", "derived", "relation", "position"),
    "history_subjects": ("subject_id", "position"),
}


# The columns a row's later events can change; an upsert of a row already there
# sets only these (not, say, a work's created_epoch, which would touch its index).
CHANGING = {
    "works": (
        "retracted",
        "up",
        "down",
        "comments",
        "direct_remixes",
        "wilson",
        "net_sign",
        "log_abs",
    ),
    "members": ("name", "works", "remixes_received", "votes_up", "votes_down"),
    "votes": ("value",),
    "comments": ("retracted",),
    "names": ("name", "position"),
}


def upsert_sql(prefix: str, table: str, param: str) -> str:
    """INSERT ... ON CONFLICT DO UPDATE, with positional parameters (``param``)."""
    columns = COLUMNS[table]
    key = columns[0]
    updates = ", ".join(f"{c} = excluded.{c}" for c in CHANGING[table])
    values = ", ".join(param for _ in columns)
    return (
        f"INSERT INTO {prefix}{table} ({', '.join(columns)}) VALUES ({values})"
        f" ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )


def insert_sql(prefix: str, table: str, param: str) -> str:
    columns = COLUMNS[table]
    values = ", ".join(param for _ in columns)
    return f"INSERT INTO {prefix}{table} ({', '.join(columns)}) VALUES ({values})"


class WorkColumns:
    """The columns of a work that never change after it is contributed, computed once.

    A popular work is written again by every batch in which it gets votes; its
    authors' JSON and its creation time in three forms are the same each time.
    An entry is used only while the row holds the very same ``authors`` and
    ``created_at`` objects it was computed from, so a row read back from the
    store (new objects) is computed afresh rather than trusted.
    """

    def __init__(self, maxsize: int = 500_000) -> None:
        self.maxsize = maxsize
        self.columns: dict[UUID, tuple[tuple[UUID, ...], datetime, tuple[Any, ...]]] = {}

    def __call__(self, row: WorkRow) -> tuple[Any, ...]:
        cached = self.columns.get(row.work_id)
        if cached is not None and cached[0] is row.authors and cached[1] is row.created_at:
            return cached[2]
        created = row.created_at
        columns = (
            json.dumps([a.hex for a in row.authors]),
            created.isoformat(),
            created.timestamp(),
            hours_since_epoch(created),
        )
        if len(self.columns) >= self.maxsize:
            self.columns.clear()
        self.columns[row.work_id] = (row.authors, created, columns)
        return columns

    def clear(self) -> None:
        self.columns.clear()


def values_for(
    table: str, key: UUID, row: Any, work_columns: WorkColumns | None = None
) -> tuple[Any, ...]:
    """The column values of one row, in ``COLUMNS`` order."""
    if table == "works":
        net = row.up - row.down
        authors, created_at, created_epoch, hours = (work_columns or WorkColumns())(row)
        return (
            row.work_id.hex,
            row.title,
            row.kind,
            authors,
            created_at,
            created_epoch,
            hours,
            row.position,
            int(row.retracted),
            row.up,
            row.down,
            row.comments,
            row.direct_remixes,
            wilson_lower_bound(row.up, row.down),
            (net > 0) - (net < 0),
            log_abs_net(row.up, row.down),
        )
    if table == "members":
        return (
            row.member_id.hex,
            row.handle,
            row.name,
            row.works,
            row.remixes_received,
            row.votes_up,
            row.votes_down,
        )
    if table == "votes":
        return (row.vote_id.hex, row.member_id.hex, row.work_id.hex, row.value)
    if table == "comments":
        return (row.comment_id.hex, row.work_id.hex, int(row.retracted))
    if table == "names":
        return (key.hex, row.name, row.position)
    if table == "edges":
        return (row.source.hex, row.derived.hex, row.relation, row.position)
    raise KeyError(table)


def subject_values(history: list[tuple[UUID, int]]) -> list[tuple[str, int]]:
    """The ``history_subjects`` rows of (subject, position) pairs."""
    return [(subject.hex, position) for subject, position in history]


def from_record(table: str, record: Any) -> Any:
    """A row (or a name) from a database record with named columns."""
    if table == "works":
        return WorkRow(
            UUID(record["work_id"]),
            record["title"],
            record["kind"],
            tuple(UUID(a) for a in json.loads(record["authors"])),
            datetime.fromisoformat(record["created_at"]),
            record["position"],
            bool(record["retracted"]),
            record["up"],
            record["down"],
            record["comments"],
            record["direct_remixes"],
        )
    if table == "members":
        return MemberRow(
            UUID(record["member_id"]),
            record["handle"],
            record["name"],
            record["works"],
            record["remixes_received"],
            record["votes_up"],
            record["votes_down"],
        )
    if table == "votes":
        return VoteRow(
            UUID(record["vote_id"]),
            UUID(record["member_id"]),
            UUID(record["work_id"]),
            record["value"],
        )
    if table == "comments":
        return CommentRow(
            UUID(record["comment_id"]), UUID(record["work_id"]), bool(record["retracted"])
        )
    if table == "names":
        return NameRow(record["name"], record["position"])
    if table == "edges":
        return EdgeRow(
            UUID(record["source"]), UUID(record["derived"]), record["relation"], record["position"]
        )
    raise KeyError(table)
