"""The Merkle tree of a ledger's log, kept in the ledger's own database.

``TreeStore.catch_up`` follows the log the way the read models do: it reads the
events after the last leaf, hashes their entries, and writes the new leaves and
the tile-level nodes they complete in one transaction (``tables``: the leaf rows
are the tracking, so each event becomes a leaf exactly once, whoever runs it).
``rebuild`` throws the tree away and builds it again from the log.

It is also the ``HashSource`` that proofs (``merkle``) and tiles read: a node at
tree level ``8*L + r`` is made of at most 128 stored hashes of level ``8*L``, one
tile's worth. A complete subtree never changes, so each tile read is kept in memory
with its inner nodes hashed once (``forget`` drops them, after the tables changed).
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any, NamedTuple

from eventsourcing.persistence import IntegrityError

from ledger.adapters.postgres import postgres_setup_lock
from ledger.application.ledger import Ledger
from ledger.domain.errors import LedgerError
from ledger.transparency.entries import encode_entry, entry_leaf_hash
from ledger.transparency.merkle import TreeBuilder, node_hash, root_hash
from ledger.transparency.tables import RawEvent, Tables, leaf_runs, tables_for
from ledger.transparency.tiles import TILE_HEIGHT, TILE_WIDTH

__all__ = [
    "EntryTooLargeError",
    "StoredCheckpoint",
    "TileNotFoundError",
    "TreeStore",
    "entry_of",
]

CATCH_UP_BATCH = 20_000
_CACHED_TILES = 2_048  # tiles with their inner nodes: 16 KiB of hashes each
_UINT16 = struct.Struct(">H")


class TileNotFoundError(LedgerError):
    """No such tile (or entry bundle) in the tree as it is."""


class EntryTooLargeError(LedgerError):
    """An entry longer than an entry bundle's uint16 length prefix can say."""


class StoredCheckpoint(NamedTuple):
    """A signed checkpoint as recorded: its size, root, signed note and signer's key."""

    size: int
    root: bytes
    note: str
    vkey: str
    recorded_at: str


def entry_of(event: RawEvent) -> bytes:
    """The canonical entry of a stored event (``entries``)."""
    return encode_entry(*event)


class TreeStore:
    """One ledger's Merkle tree: its leaves, its tile-level nodes and its checkpoints."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.tables: Tables = tables_for(ledger)
        self._tiles: dict[tuple[int, int], list[list[bytes]]] = {}
        self._builder: TreeBuilder | None = None
        # One catch-up at a time per store: the right edge it extends is shared.
        self._catching_up = threading.Lock()
        self.create_tables()

    def create_tables(self) -> None:
        env = dict(self.ledger.env)
        postgres = self.tables.param == "%s"
        with (
            postgres_setup_lock(env) if postgres else nullcontext(),
            self.tables.transaction(commit=True) as cursor,
        ):
            for statement in self.tables.create_statements():
                cursor.execute(statement)

    # ------------------------------------------------------------ the head

    def head(self) -> tuple[int, int]:
        """(the tree's size, the position of its last leaf's event); (0, 0) when empty."""
        with self.tables.transaction(commit=False) as cursor:
            self.tables.plain_rows(cursor)
            return self.tables.read_head(cursor)

    @property
    def size(self) -> int:
        return self.head()[0]

    def root(self, size: int | None = None) -> bytes:
        """The root hash of the tree of ``size`` leaves (default: all of them)."""
        return root_hash(self, self.size if size is None else size)

    # ------------------------------------------------------------ following the log

    def catch_up(
        self,
        until: int | None = None,
        on_progress: Callable[[int], None] | None = None,
        batch: int = CATCH_UP_BATCH,
    ) -> int:
        """Add a leaf for every event after the last leaf's (up to position ``until``);
        return the tree's size."""
        with self._catching_up:
            return self._catch_up(until, on_progress, batch)

    def _catch_up(
        self, until: int | None, on_progress: Callable[[int], None] | None, batch: int
    ) -> int:
        tables = self.tables
        while True:
            size, last = self.head()
            builder = self._builder_at(size)
            with tables.transaction(commit=False) as cursor:
                events = tables.read_events(cursor, last, batch, until)
            if not events:
                return size
            completed: list[tuple[int, int, bytes]] = []
            hashes = [entry_leaf_hash(*event) for event in events]
            runs = leaf_runs(size, [event[0] for event in events], hashes)
            builder.extend(hashes, completed)
            nodes = [(level // TILE_HEIGHT, index, value) for level, index, value in completed]
            try:
                with tables.transaction(commit=True) as cursor:
                    tables.insert_leaves(cursor, runs)
                    if nodes:
                        cursor.executemany(
                            tables.sql(
                                f"INSERT INTO {tables.nodes} (level, idx, hash) VALUES (?, ?, ?)"
                            ),
                            nodes,
                        )
            except IntegrityError:
                # Another follower recorded these leaves first: start again from its head.
                self._builder = None
                continue
            except BaseException:
                self._builder = None
                raise
            self._builder = builder
            if on_progress is not None:
                on_progress(events[-1][0])

    def rebuild(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Forget the leaves and nodes (not the checkpoints) and build them from the log."""
        with self.tables.transaction(commit=True) as cursor:
            cursor.execute(f"DELETE FROM {self.tables.leaves}")
            cursor.execute(f"DELETE FROM {self.tables.nodes}")
        self.forget()
        return self.catch_up(on_progress=on_progress)

    def forget(self) -> None:
        """Drop what is held in memory (after the tables changed under this process)."""
        self._tiles.clear()
        self._builder = None

    def _builder_at(self, size: int) -> TreeBuilder:
        if self._builder is not None and self._builder.size == size:
            return self._builder
        builder = TreeBuilder(every=TILE_HEIGHT)
        start = 0
        for level in reversed(range(size.bit_length())):
            if size >> level & 1:
                builder.edge.append(self.nodes(level, start >> level, (start >> level) + 1)[0])
                start += 1 << level
        builder.size = size
        return builder

    # ------------------------------------------------------------ the hash source

    def nodes(self, level: int, start: int, end: int) -> list[bytes]:
        """The complete subtrees ``start`` to ``end`` (exclusive) at tree level ``level``."""
        tile_level, above = divmod(level, TILE_HEIGHT)
        per_tile = TILE_WIDTH >> above
        found: list[bytes] = []
        for tile in range(start // per_tile, (end - 1) // per_tile + 1):
            first = tile * per_tile
            wanted = min(end - first, per_tile)
            row = self._tile_levels(tile_level, tile, above, wanted)[above]
            found.extend(row[max(start - first, 0) : wanted])
        if len(found) != end - start:
            raise LookupError(f"the tree has no nodes {start}..{end} at level {level}")
        return found

    def _tile_levels(self, level: int, index: int, above: int, wanted: int) -> list[list[bytes]]:
        """A tile's hashes and every complete node above them inside it (8 levels), read
        and hashed once: the nodes of a complete subtree never change, so a tile is read
        again only when a wider part of it than the one kept is asked for."""
        key = (level, index)
        levels = self._tiles.get(key)
        if levels is not None and len(levels[above]) >= wanted:
            return levels
        row = self._read_tile(level, index)
        levels = [row]
        for _ in range(TILE_HEIGHT):
            pairs = zip(row[: len(row) & ~1 : 2], row[1 : len(row) & ~1 : 2], strict=True)
            row = [node_hash(left, right) for left, right in pairs]
            levels.append(row)
        if len(self._tiles) >= _CACHED_TILES:
            self._tiles.clear()
        self._tiles[key] = levels
        return levels

    def tile_hashes(self, level: int, index: int) -> list[bytes]:
        """The hashes of tile ``index`` at tile level ``level`` as stored (up to 256)."""
        return self._tile_levels(level, index, 0, TILE_WIDTH)[0]

    def _read_tile(self, level: int, index: int) -> list[bytes]:
        first = index * TILE_WIDTH
        with self.tables.transaction(commit=False) as cursor:
            self.tables.plain_rows(cursor)
            if level == 0:
                leaves = self.tables.read_leaves(cursor, first, first + TILE_WIDTH)
                return [value for _, _, value in leaves]
            cursor.execute(
                self.tables.sql(
                    f"SELECT hash FROM {self.tables.nodes}"
                    " WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx"
                ),
                (level, first, first + TILE_WIDTH),
            )
            return [bytes(value) for (value,) in cursor.fetchall()]

    # ------------------------------------------------------------ tiles and entries

    def tile(self, level: int, index: int, width: int | None = None) -> bytes:
        """A tile's bytes: ``width`` hashes (a partial tile), or all 256 (a full one)."""
        wanted = TILE_WIDTH if width is None else width
        if not 1 <= wanted <= TILE_WIDTH:
            raise TileNotFoundError(f"a tile is 1 to {TILE_WIDTH} hashes wide, not {wanted}")
        hashes = self.tile_hashes(level, index)
        if len(hashes) < wanted:
            raise TileNotFoundError(f"tile {level}/{index} has {len(hashes)} hashes, not {wanted}")
        return b"".join(hashes[:wanted])

    def entries(self, start: int, end: int) -> list[bytes]:
        """The canonical entries of leaves ``start`` to ``end`` (exclusive)."""
        tables = self.tables
        with tables.transaction(commit=False) as cursor:
            tables.plain_rows(cursor)
            positions = [position for _, position, _ in tables.read_leaves(cursor, start, end)]
            if len(positions) != end - start:
                raise TileNotFoundError(f"the tree has no leaves {start}..{end}")
            events = tables.read_events(
                cursor, positions[0] - 1, positions[-1] - positions[0] + 1, positions[-1]
            )
        by_position = {event[0]: event for event in events}
        missing = [p for p in positions if p not in by_position]
        if missing:
            raise LedgerError(
                f"the log has no event at position {missing[0]}, which the tree holds"
                " (run `remix-ledger verify`)"
            )
        return [entry_of(by_position[position]) for position in positions]

    def entry_bundle(self, index: int, width: int | None = None) -> bytes:
        """Entry bundle ``index`` (tlog-tiles): each entry after its uint16 length."""
        wanted = TILE_WIDTH if width is None else width
        if not 1 <= wanted <= TILE_WIDTH:
            raise TileNotFoundError(f"a bundle is 1 to {TILE_WIDTH} entries wide, not {wanted}")
        parts: list[bytes] = []
        for entry in self.entries(index * TILE_WIDTH, index * TILE_WIDTH + wanted):
            if len(entry) > 0xFFFF:
                raise EntryTooLargeError(
                    f"an entry of {len(entry)} bytes does not fit an entry bundle (65535 at most)"
                )
            parts += (_UINT16.pack(len(entry)), entry)
        return b"".join(parts)

    # ------------------------------------------------------------ leaves by position

    def leaf_at(self, position: int) -> tuple[int, bytes] | None:
        """(leaf index, leaf hash) of the event at ``position``; None if it is no leaf.

        Positions grow by at least one a leaf, so the leaf is at most ``position -
        first position`` and each guess that lands on a later position can step back
        by the difference without passing it: without gaps the first guess is right.
        """
        size = self.size
        first = self.position_of(0)
        if first is None or position < first:
            return None
        low, high = 0, size - 1
        guess = min(position - first, high)
        while low <= guess <= high:
            found = self._leaf_row(guess)
            if found is None:
                return None
            at, value = found
            if at == position:
                return guess, value
            if at > position:
                high = guess - 1
                guess = max(low, guess - (at - position))
            else:
                low = guess + 1
                guess = min(high, guess + max((high - guess) // 2, 1))
        return None

    def _leaf_row(self, index: int) -> tuple[int, bytes] | None:
        with self.tables.transaction(commit=False) as cursor:
            self.tables.plain_rows(cursor)
            found = self.tables.read_leaves(cursor, index, index + 1)
        return (found[0][1], found[0][2]) if found else None

    def position_of(self, index: int) -> int | None:
        """The position of leaf ``index``'s event; None past the tree."""
        found = self._leaf_row(index)
        return None if found is None else found[0]

    # ------------------------------------------------------------ checkpoints

    def record_checkpoint(self, size: int, root: bytes, note: str, vkey: str) -> StoredCheckpoint:
        """Keep a signed checkpoint (the same note twice is kept once)."""
        recorded_at = datetime.now(UTC).isoformat()
        try:
            with self.tables.transaction(commit=True) as cursor:
                cursor.execute(
                    self.tables.sql(
                        f"INSERT INTO {self.tables.checkpoints}"
                        " (size, root, note, vkey, recorded_at) VALUES (?, ?, ?, ?, ?)"
                    ),
                    (size, root, note, vkey, recorded_at),
                )
        except IntegrityError:
            pass  # The very same note is recorded already.
        return StoredCheckpoint(size, root, note, vkey, recorded_at)

    def checkpoints(self) -> list[StoredCheckpoint]:
        """Every recorded checkpoint, oldest first."""
        with self.tables.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT size, root, note, vkey, recorded_at FROM {self.tables.checkpoints}"
                " ORDER BY size, recorded_at"
            )
            rows: Sequence[Any] = cursor.fetchall()
        return [
            StoredCheckpoint(
                row["size"], bytes(row["root"]), row["note"], row["vkey"], row["recorded_at"]
            )
            for row in rows
        ]

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        """The checkpoint of the largest tree (the latest recorded of them); one row
        read through the primary key's index, however many checkpoints are kept
        (every web page shows it)."""
        table = self.tables.checkpoints
        with self.tables.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT size, root, note, vkey, recorded_at FROM {table}"
                f" WHERE size = (SELECT MAX(size) FROM {table})"
                " ORDER BY recorded_at DESC LIMIT 1"
            )
            row = cursor.fetchone()
        if row is None:
            return None
        return StoredCheckpoint(
            row["size"], bytes(row["root"]), row["note"], row["vkey"], row["recorded_at"]
        )
