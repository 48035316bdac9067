"""Keeping the tree in the same transaction as the events it hashes (SQLite, PostgreSQL).

The follower (``TreeStore.catch_up``) reads every event back after it was
written; these recorders hash the events they are writing, from the stored events
in hand, and write their leaves and the nodes they complete before the same
transaction commits. A ledger uses one when its environment names it::

    APPLICATION_RECORDER_TOPIC=ledger.transparency.recorders:TreeKeepingSQLiteRecorder
    APPLICATION_RECORDER_TOPIC=ledger.transparency.postgres_recorder:TreeKeepingPostgresRecorder

(the library's own setting; ``ledger.settings`` sets it for SQLite files and
PostgreSQL URLs). The tree is extended only when it is up to date: its last leaf is
the last event stored before this transaction's first (positions may skip ids a
rolled-back PostgreSQL transaction took). When it is behind (events written before,
or by a recorder without it) it writes nothing, and the follower catches up as
before; once it has, the writes keep the tree again.

The tree's head must not move between its read and the commit. SQLite has one
writer at a time. On PostgreSQL the library locks the events table for every
insert, so no other event write runs meanwhile; a follower, though, may be adding
leaves from another process, so the recorder also locks ``tlog_leaves`` (EXCLUSIVE,
as the library locks its table: reads go on) before it reads the head. A follower's
insert then waits for the commit and finds its first leaf taken (the primary key):
it starts again from the new head. The locks are always taken in that order,
events table then tree, and a follower never takes the events table's, so they
cannot deadlock; and a recorder never loses a race to a follower.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from ledger.adapters.storage import TranslatingRecorder
from ledger.transparency.entries import entry_leaf_hash
from ledger.transparency.merkle import TreeBuilder, node_hash
from ledger.transparency.tables import Tables, leaf_runs, sqlite_tables
from ledger.transparency.tiles import TILE_HEIGHT

__all__ = ["TOPIC", "TreeKeeper", "TreeKeepingSQLiteRecorder"]

TOPIC = "ledger.transparency.recorders:TreeKeepingSQLiteRecorder"


def _id_bytes(originator_id: UUID | str) -> bytes:
    return originator_id.bytes if isinstance(originator_id, UUID) else UUID(originator_id).bytes


class TreeKeeper:
    """The leaves and nodes of the events a transaction inserts, added in it; the
    tree's right edge is kept between transactions while no one else extends it."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self._builder: TreeBuilder | None = None

    def keep(self, cursor: Any, positions: list[int], stored_events: Sequence[StoredEvent]) -> None:
        try:
            self._add_leaves(cursor, positions, stored_events)
        except BaseException:
            self._builder = None  # it may be ahead of what is committed
            raise

    def _add_leaves(
        self, cursor: Any, positions: list[int], stored_events: Sequence[StoredEvent]
    ) -> None:
        tree = self.tables
        size, last = tree.read_head(cursor)
        first = positions[0]
        if first != last + 1 and tree.position_before(cursor, first) != last:
            return  # the tree is behind the log: the follower adds these
        builder = self._builder
        if builder is None or builder.size != size:
            builder = self._edge(cursor, size)
        hashes = [
            entry_leaf_hash(
                position, _id_bytes(s.originator_id), s.originator_version, s.topic, s.state
            )
            for position, s in zip(positions, stored_events, strict=True)
        ]
        completed: list[tuple[int, int, bytes]] = []
        builder.extend(hashes, completed)
        tree.insert_leaves(cursor, leaf_runs(size, positions, hashes))
        if completed:
            cursor.executemany(
                tree.sql(f"INSERT INTO {tree.nodes} (level, idx, hash) VALUES (?, ?, ?)"),
                [(level // TILE_HEIGHT, index, value) for level, index, value in completed],
            )
        self._builder = builder

    def _edge(self, cursor: Any, size: int) -> TreeBuilder:
        """The right edge of the stored tree of ``size`` leaves, read in this transaction."""
        tree = self.tables
        builder = TreeBuilder(every=TILE_HEIGHT)
        start = 0
        for level in reversed(range(size.bit_length())):
            if not size >> level & 1:
                continue
            tile_level, above = divmod(level, TILE_HEIGHT)
            first = (start >> level) << above
            if tile_level == 0:
                stored = tree.read_leaves(cursor, first, first + (1 << above))
                hashes = [leaf for _, _, leaf in stored]
            else:
                cursor.execute(
                    tree.sql(
                        f"SELECT hash FROM {tree.nodes} WHERE level = ? AND idx >= ? AND idx < ?"
                        " ORDER BY idx"
                    ),
                    (tile_level, first, first + (1 << above)),
                )
                hashes = [bytes(row[0]) for row in cursor.fetchall()]
            for _ in range(above):
                pairs = zip(hashes[::2], hashes[1::2], strict=True)
                hashes = [node_hash(left, right) for left, right in pairs]
            builder.edge.append(hashes[0])
            start += 1 << level
        builder.size = size
        return builder


class TreeKeepingSQLiteRecorder(TranslatingRecorder, SQLiteApplicationRecorder):
    """The library's SQLite application recorder, adding each event's leaf as it inserts it."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        # Before the library's __init__, which asks for the create statements.
        self._tree = TreeKeeper(sqlite_tables(datastore, events_table_name))
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *self._tree.tables.create_statements(),
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if positions:
            self._tree.keep(c, list(positions), stored_events)
        return positions
