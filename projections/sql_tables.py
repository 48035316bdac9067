"""The read models' tables in SQL, and how rows map to and from their columns.

One schema for SQLite and PostgreSQL: ids and times are text (UUID hex, ISO 8601
in UTC), counts are integers, scores are floats; only the float and integer type
names differ. ``created_epoch`` (Unix seconds) and ``hours`` (since 2000-01-01)
are stored beside ``created_at`` so that periods and the hot ordering run in SQL.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from projections.rows import CommentRow, EdgeRow, HistoryRow, MemberRow, VoteRow, WorkRow
from projections.scores import hours_since_epoch, log_abs_net, wilson_lower_bound

__all__ = ["TABLE_SQL", "from_record", "history_params", "params_for", "upsert_sql"]

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
    "names": "id TEXT PRIMARY KEY, name TEXT NOT NULL",
    "edges": (
        "source TEXT NOT NULL, derived TEXT NOT NULL, relation TEXT NOT NULL,"
        " position {int} NOT NULL, PRIMARY KEY (source, derived)"
    ),
    "history": (
        "subject_id TEXT NOT NULL, position {int} NOT NULL, occurred_at TEXT NOT NULL,"
        " recorded_at TEXT NOT NULL, type TEXT NOT NULL, actor_id TEXT, actor TEXT NOT NULL,"
        " summary TEXT NOT NULL, ids TEXT NOT NULL, PRIMARY KEY (subject_id, position)"
    ),
}
INDEXES = (
    # Index names are never schema-qualified (PostgreSQL puts them beside their table).
    "CREATE INDEX IF NOT EXISTS rl_works_created ON {prefix}works (created_epoch)",
    "CREATE INDEX IF NOT EXISTS rl_edges_derived ON {prefix}edges (derived)",
)

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
    "names": ("id", "name"),
    "edges": ("source", "derived", "relation", "position"),
    "history": (
        "subject_id",
        "position",
        "occurred_at",
        "recorded_at",
        "type",
        "actor_id",
        "actor",
        "summary",
        "ids",
    ),
}


def upsert_sql(prefix: str, table: str) -> str:
    """INSERT ... ON CONFLICT DO UPDATE with named parameters (``:column``)."""
    columns = COLUMNS[table]
    key = columns[0]
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    values = ", ".join(f":{c}" for c in columns)
    return (
        f"INSERT INTO {prefix}{table} ({', '.join(columns)}) VALUES ({values})"
        f" ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )


def insert_sql(prefix: str, table: str) -> str:
    columns = COLUMNS[table]
    values = ", ".join(f":{c}" for c in columns)
    return f"INSERT INTO {prefix}{table} ({', '.join(columns)}) VALUES ({values})"


def params_for(table: str, key: UUID, row: Any) -> dict[str, Any]:
    """The column values of one row."""
    if table == "works":
        epoch = row.created_at.timestamp()
        net = row.up - row.down
        return {
            "work_id": row.work_id.hex,
            "title": row.title,
            "kind": row.kind,
            "authors": json.dumps([a.hex for a in row.authors]),
            "created_at": row.created_at.isoformat(),
            "created_epoch": epoch,
            "hours": hours_since_epoch(row.created_at),
            "position": row.position,
            "retracted": int(row.retracted),
            "up": row.up,
            "down": row.down,
            "comments": row.comments,
            "direct_remixes": row.direct_remixes,
            "wilson": wilson_lower_bound(row.up, row.down),
            "net_sign": (net > 0) - (net < 0),
            "log_abs": log_abs_net(row.up, row.down),
        }
    if table == "members":
        return {
            "member_id": row.member_id.hex,
            "handle": row.handle,
            "name": row.name,
            "works": row.works,
            "remixes_received": row.remixes_received,
            "votes_up": row.votes_up,
            "votes_down": row.votes_down,
        }
    if table == "votes":
        return {
            "vote_id": row.vote_id.hex,
            "member_id": row.member_id.hex,
            "work_id": row.work_id.hex,
            "value": row.value,
        }
    if table == "comments":
        return {
            "comment_id": row.comment_id.hex,
            "work_id": row.work_id.hex,
            "retracted": int(row.retracted),
        }
    if table == "names":
        return {"id": key.hex, "name": row}
    if table == "edges":
        return {
            "source": row.source.hex,
            "derived": row.derived.hex,
            "relation": row.relation,
            "position": row.position,
        }
    raise KeyError(table)


def history_params(row: HistoryRow) -> dict[str, Any]:
    return {
        "subject_id": row.subject_id.hex,
        "position": row.position,
        "occurred_at": row.occurred_at.isoformat(),
        "recorded_at": row.recorded_at.isoformat(),
        "type": row.type,
        "actor_id": None if row.actor_id is None else row.actor_id.hex,
        "actor": row.actor,
        "summary": row.summary,
        "ids": json.dumps([i.hex for i in row.ids]),
    }


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
        return record["name"]
    if table == "edges":
        return EdgeRow(
            UUID(record["source"]), UUID(record["derived"]), record["relation"], record["position"]
        )
    if table == "history":
        return HistoryRow(
            UUID(record["subject_id"]),
            record["position"],
            datetime.fromisoformat(record["occurred_at"]),
            datetime.fromisoformat(record["recorded_at"]),
            record["type"],
            None if record["actor_id"] is None else UUID(record["actor_id"]),
            record["actor"],
            record["summary"],
            tuple(UUID(i) for i in json.loads(record["ids"])),
        )
    raise KeyError(table)
