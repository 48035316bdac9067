"""Keeping the tree in the same transaction as the events it hashes (SQLite).

The follower (``TreeStore.catch_up``) reads every event back after it was
written; this recorder hashes the events it is writing, from the stored events
in hand, and writes their leaves and the nodes they complete before the same
transaction commits. A ledger uses it when its environment names it::

    APPLICATION_RECORDER_TOPIC=ledger.transparency.recorders:TreeKeepingSQLiteRecorder

(the library's own setting; ``ledger.settings`` adds it for SQLite files).
When the tree is behind the log (events written before, or by a recorder without
it) it writes nothing, and the follower catches up as before; once it has, the
writes keep the tree again. SQLite only: it has one writer at a time, so the tree's
head read in the transaction cannot move under it. On PostgreSQL a follower could
add leaves between that read and the commit, so there the follower keeps the tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from ledger.transparency.entries import entry_leaf_hash
from ledger.transparency.merkle import TreeBuilder, node_hash
from ledger.transparency.tables import leaf_runs, sqlite_tables
from ledger.transparency.tiles import TILE_HEIGHT

__all__ = ["TOPIC", "TreeKeepingSQLiteRecorder"]

TOPIC = "ledger.transparency.recorders:TreeKeepingSQLiteRecorder"


def _id_bytes(originator_id: UUID | str) -> bytes:
    return originator_id.bytes if isinstance(originator_id, UUID) else UUID(originator_id).bytes


class TreeKeepingSQLiteRecorder(SQLiteApplicationRecorder):
    """The library's SQLite application recorder, adding each event's leaf as it inserts it."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        # Before the library's __init__, which asks for the create statements.
        self._tree = sqlite_tables(datastore, events_table_name)
        self._builder: TreeBuilder | None = None
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self._tree.create_statements()]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if positions:
            try:
                self._add_leaves(c, list(positions), stored_events)
            except BaseException:
                self._builder = None  # it may be ahead of what is committed
                raise
        return positions

    def _add_leaves(
        self, c: SQLiteCursor, positions: list[int], stored_events: Sequence[StoredEvent]
    ) -> None:
        tree = self._tree
        size, last = tree.read_head(c)
        if positions[0] != last + 1:
            return  # the tree is behind the log: the follower adds these
        builder = self._builder
        if builder is None or builder.size != size:
            builder = self._edge(c, size)
        hashes = [
            entry_leaf_hash(
                position, _id_bytes(s.originator_id), s.originator_version, s.topic, s.state
            )
            for position, s in zip(positions, stored_events, strict=True)
        ]
        completed: list[tuple[int, int, bytes]] = []
        builder.extend(hashes, completed)
        tree.insert_leaves(c, leaf_runs(size, positions, hashes))
        if completed:
            c.executemany(
                f"INSERT INTO {tree.nodes} (level, idx, hash) VALUES (?, ?, ?)",
                [(level // TILE_HEIGHT, index, value) for level, index, value in completed],
            )
        self._builder = builder

    def _edge(self, c: SQLiteCursor, size: int) -> TreeBuilder:
        """The right edge of the stored tree of ``size`` leaves, read in this transaction."""
        tree = self._tree
        builder = TreeBuilder(every=TILE_HEIGHT)
        start = 0
        for level in reversed(range(size.bit_length())):
            if not size >> level & 1:
                continue
            tile_level, above = divmod(level, TILE_HEIGHT)
            first = (start >> level) << above
            if tile_level == 0:
                stored = tree.read_leaves(c, first, first + (1 << above))
                hashes = [leaf for _, _, leaf in stored]
            else:
                c.execute(
                    f"SELECT hash FROM {tree.nodes} WHERE level = ? AND idx >= ? AND idx < ?"
                    " ORDER BY idx",
                    (tile_level, first, first + (1 << above)),
                )
                hashes = [bytes(row[0]) for row in c.fetchall()]
            for _ in range(above):
                pairs = zip(hashes[::2], hashes[1::2], strict=True)
                hashes = [node_hash(left, right) for left, right in pairs]
            builder.edge.append(hashes[0])
            start += 1 << level
        builder.size = size
        return builder
