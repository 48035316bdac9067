"""The tree's tables in the ledger's own database, and reading the stored events raw.

One schema for SQLite (in the ledger's file) and PostgreSQL (in the ledger's
schema); only the parameter marker, the binary type and table qualification differ:

- ``tlog_leaves``: one row per *run* of leaves: the index of its first leaf in the
  tree, the position of that leaf's event in the log, and the run's leaf hashes,
  32 bytes each, end to end. A run holds leaves whose events have consecutive
  positions (gaps in PostgreSQL's positions are not leaves: a gap starts a new
  run) and never crosses a tile boundary, so a row is at most 8 KiB and a tile is
  read from its own rows. A row of one hash, as ledgers written before runs hold,
  is a run of one leaf: those ledgers are read as they are. One row a leaf cost
  about as much to write as hashing the leaf (executemany of 2 000 rows: 1.1 us a
  leaf; the same hashes in runs: 0.02 us a leaf; decision 004).
  The rows are also the tree's tracking: a batch of leaves commits with the
  nodes it completed in one transaction, and a batch applied twice breaks the
  primary key (its first run starts at the tree's size either time), so each
  event becomes a leaf exactly once. Positions grow with the leaf index, so a
  leaf is found by its position without an index on it (an index cost 45% more
  per leaf written).
- ``tlog_nodes``: the hash of every complete subtree at a tile level (tree levels
  8, 16, ...: the hashes tiles of level 1, 2, ... hold), so that proofs and tiles
  read at most a few hundred rows, never the log.
- ``tlog_checkpoints``: every signed checkpoint: its note text and the verifier
  key of its signer (public; the private key never comes here).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from ledger.application.ledger import Ledger
from ledger.domain.errors import LedgerError
from ledger.transparency.merkle import HASH_SIZE
from ledger.transparency.tiles import TILE_WIDTH

__all__ = [
    "LeafRun",
    "RawEvent",
    "StoredLeaf",
    "Tables",
    "TransparencyUnavailableError",
    "leaf_runs",
    "postgres_tables",
    "split_run",
    "sqlite_tables",
    "tables_for",
]


class TransparencyUnavailableError(LedgerError):
    """The ledger's store cannot hold the tamper-evident log (an in-memory ledger)."""


# One stored event as the store holds it, what its entry is made of: (position,
# originator id as its 16 bytes, originator version, topic, state). A plain tuple:
# verify reads a million of them, and a named tuple costs three times as much to make.
RawEvent = tuple[int, bytes, int, str, bytes]
# One row of tlog_leaves: (index of its first leaf, that leaf's position, the hashes).
LeafRun = tuple[int, int, bytes]
# One leaf: (leaf index, position of its event, leaf hash).
StoredLeaf = tuple[int, int, bytes]


def leaf_runs(size: int, positions: Sequence[int], hashes: Sequence[bytes]) -> list[LeafRun]:
    """The rows that store leaves ``size``, ``size + 1``, ... of events at ``positions``
    (increasing): runs of consecutive positions, cut at every tile boundary.

    >>> [(i, p, len(h) // 32) for i, p, h in leaf_runs(254, [7, 8, 9, 11], [bytes(32)] * 4)]
    [(254, 7, 2), (256, 9, 1), (257, 11, 1)]
    """
    runs: list[LeafRun] = []
    count = len(positions)
    start = 0
    while start < count:
        # Up to the next tile boundary, or to the first gap in the positions before it.
        cap = end = min(count, start + TILE_WIDTH - (size + start) % TILE_WIDTH)
        first = positions[start]
        if positions[cap - 1] - first != cap - 1 - start:
            end = start + 1
            while end < cap and positions[end] == first + end - start:
                end += 1
        runs.append((size + start, first, b"".join(hashes[start:end])))
        start = end
    return runs


def split_run(first: int, position: int, hashes: bytes) -> list[StoredLeaf]:
    """The leaves of one stored run (a changed run's odd last bytes stay a short hash,
    so that ``verify`` sees the change)."""
    return [
        (first + offset, position + offset, hashes[at : at + HASH_SIZE])
        for offset, at in enumerate(range(0, len(hashes), HASH_SIZE))
    ]


@dataclass(frozen=True)
class Tables:
    """The SQL for one ledger's database: its tables and how to reach them."""

    datastore: Any
    leaves: str
    nodes: str
    checkpoints: str
    events: str
    position_column: str
    originator_bytes: str  # the SQL that gives the originator id (hex text on SQLite)
    param: str
    binary: str
    integer_key: str

    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=commit)  # type: ignore[no-any-return]

    def sql(self, text: str) -> str:
        """``text`` with its ``?`` markers in the driver's style."""
        return text.replace("?", self.param)

    def create_statements(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.leaves} (leaf_index {self.integer_key},"
            f" position BIGINT NOT NULL, hash {self.binary} NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.nodes} (level INTEGER NOT NULL,"
            f" idx BIGINT NOT NULL, hash {self.binary} NOT NULL, PRIMARY KEY (level, idx))",
            f"CREATE TABLE IF NOT EXISTS {self.checkpoints} (size BIGINT NOT NULL,"
            f" root {self.binary} NOT NULL, note TEXT NOT NULL, vkey TEXT NOT NULL,"
            " recorded_at TEXT NOT NULL,"
            " PRIMARY KEY (size, note))",
        ]

    def read_head(self, cursor: Any) -> tuple[int, int]:
        """(the tree's size, the position of its last leaf's event); (0, 0) when empty.
        Reads the last row by index; any row factory that answers ``row[0]``."""
        cursor.execute(
            f"SELECT leaf_index, position, length(hash) FROM {self.leaves}"
            " ORDER BY leaf_index DESC LIMIT 1"
        )
        row = cursor.fetchone()
        if row is None:
            return 0, 0
        count = -(-row[2] // HASH_SIZE)
        return row[0] + count, row[1] + count - 1

    def read_leaves(self, cursor: Any, start: int, end: int) -> list[StoredLeaf]:
        """Leaves ``start`` to ``end`` (exclusive) in order, up to the first one not stored.
        Rows by index, as ``read_head`` (``plain_rows`` on PostgreSQL)."""
        # From the run that holds leaf ``start`` (it may begin before it).
        cursor.execute(
            self.sql(
                f"SELECT leaf_index, position, hash FROM {self.leaves}"
                f" WHERE leaf_index >= (SELECT MAX(leaf_index) FROM {self.leaves}"
                " WHERE leaf_index <= ?) AND leaf_index < ? ORDER BY leaf_index"
            ),
            (start, end),
        )
        found: list[StoredLeaf] = []
        at = start
        for first, position, hashes in cursor.fetchall():
            if first > at:
                break  # no row holds leaf ``at``
            offsets = range(at - first, min(end - first, -(-len(hashes) // HASH_SIZE)))
            whole = bytes(hashes)
            found += [
                (
                    first + offset,
                    position + offset,
                    whole[offset * HASH_SIZE : (offset + 1) * HASH_SIZE],
                )
                for offset in offsets
            ]
            at += len(offsets)
        return found

    def position_before(self, cursor: Any, position: int) -> int:
        """The largest position of a stored event below ``position``; 0 if none (one
        read through the position's index). On PostgreSQL, read while the library's
        lock on the events table is held, every event below a position handed out is
        committed or rolled back: a gap below it is final."""
        cursor.execute(
            self.sql(
                f"SELECT MAX({self.position_column}) FROM {self.events}"
                f" WHERE {self.position_column} < ?"
            ),
            (position,),
        )
        row = cursor.fetchone()
        return 0 if row is None or row[0] is None else int(row[0])

    def insert_leaves(self, cursor: Any, runs: list[LeafRun]) -> None:
        cursor.executemany(
            self.sql(f"INSERT INTO {self.leaves} (leaf_index, position, hash) VALUES (?, ?, ?)"),
            runs,
        )

    def plain_rows(self, cursor: Any) -> None:
        """Make ``cursor`` return plain tuples (not rows by name): a million reads faster."""
        if self.param == "?":
            cursor.sqlite_cursor.row_factory = None
        else:
            from psycopg.rows import tuple_row

            cursor.row_factory = tuple_row

    def read_events(
        self, cursor: Any, after: int, limit: int, until: int | None = None
    ) -> list[RawEvent]:
        """Up to ``limit`` stored events after position ``after`` (to ``until``), in order."""
        stop = "" if until is None else f" AND {self.position_column} <= {int(until)}"
        self.plain_rows(cursor)
        cursor.execute(
            self.sql(
                f"SELECT {self.position_column}, {self.originator_bytes}, originator_version,"
                f" topic, state FROM {self.events} WHERE {self.position_column} > ?{stop}"
                f" ORDER BY {self.position_column} LIMIT ?"
            ),
            (after, limit),
        )
        try:
            rows = cursor.fetchall()
        except Exception as error:  # an edited topic that is not UTF-8 (SQLite's TEXT)
            if self.param != "?" or "decode" not in str(error):
                raise
            cursor.execute(
                self.sql(
                    f"SELECT {self.position_column}, {self.originator_bytes}, originator_version,"
                    f" CAST(topic AS BLOB), state FROM {self.events}"
                    f" WHERE {self.position_column} > ?{stop}"
                    f" ORDER BY {self.position_column} LIMIT ?"
                ),
                (after, limit),
            )
            return [_entry_fields(row) for row in cursor.fetchall()]
        try:
            if self.param == "?":
                # SQLite keeps the id as 32 hex digits.
                fromhex = bytes.fromhex
                events = [(p, fromhex(o), v, t, s) for p, o, v, t, s in rows]
            else:
                events = [(p, bytes(o), v, t, bytes(s)) for p, o, v, t, s in rows]
        except (ValueError, TypeError):
            return [_entry_fields(row) for row in rows]
        if not _well_typed(events):
            return [_entry_fields(row) for row in rows]
        return events

    def iter_events(self, after: int = 0, page: int = 20_000) -> Iterator[list[RawEvent]]:
        """The whole log after ``after``, a page at a time."""
        while True:
            with self.transaction(commit=False) as cursor:
                rows = self.read_events(cursor, after, page)
            if not rows:
                return
            yield rows
            after = rows[-1][0]


# A version no event has: what a stored version that is no unsigned 64-bit integer
# (an edited row: TEXT, REAL, NULL, negative) is hashed as, so that the change shows.
_NO_VERSION = 2**64 - 1


def _well_typed(events: list[RawEvent]) -> bool:
    """True when every field is of the type the library writes (the usual case)."""
    return all(
        type(s) is bytes and type(t) is str and type(v) is int and 0 <= v < _NO_VERSION
        for _, _, v, t, s in events
    )


def _entry_fields(row: Sequence[Any]) -> RawEvent:
    """An edited row's fields as an entry's, whatever SQL stored in them: TEXT (what
    SQLite's ``replace()`` returns), INTEGER, REAL, NULL or a BLOB where text was.
    Never fails: a value of another type hashes to another leaf, so ``verify`` reports
    a changed event at its position instead of stopping."""
    position, originator, version, topic, state = row
    if not (type(version) is int and 0 <= version < _NO_VERSION):
        version = _NO_VERSION
    return (int(position), _id_bytes(originator), version, _text(topic), _bytes(state))


def _bytes(value: object) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return b"" if value is None else repr(value).encode()


def _text(value: object) -> str:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode()  # no lone surrogate to encode
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return repr(value)


def _id_bytes(text: object) -> bytes:
    if isinstance(text, bytes | bytearray | memoryview) and len(text) == 16:
        return bytes(text)  # PostgreSQL's uuid_send
    try:
        return bytes.fromhex(text)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        # Not what the library writes: still an entry, so that the change shows.
        return _bytes(text)


def sqlite_tables(datastore: Any, events_table_name: str) -> Tables:
    """The tables in an SQLite ledger's file."""
    return Tables(
        datastore,
        "tlog_leaves",
        "tlog_nodes",
        "tlog_checkpoints",
        events_table_name,
        "rowid",
        "originator_id",
        "?",
        "BLOB",
        "INTEGER PRIMARY KEY",
    )


def postgres_tables(datastore: Any, events_table_name: str) -> Tables:
    """The tables in a PostgreSQL ledger's schema."""
    schema = '"' + datastore.schema.replace('"', '""') + '"'
    return Tables(
        datastore,
        f"{schema}.tlog_leaves",
        f"{schema}.tlog_nodes",
        f"{schema}.tlog_checkpoints",
        f"{schema}.{events_table_name}",
        "notification_id",
        "uuid_send(originator_id)",
        "%s",
        "BYTEA",
        "BIGINT PRIMARY KEY",
    )


def tables_for(ledger: Ledger) -> Tables:
    """The tables of ``ledger``'s database; an in-memory ledger has none."""
    recorder: Any = ledger.recorder
    datastore: Any = getattr(recorder, "datastore", None)
    kind = type(datastore).__module__ if datastore is not None else ""
    if kind.startswith("eventsourcing.sqlite"):
        return sqlite_tables(datastore, recorder.events_table_name)
    if kind.startswith("eventsourcing.postgres"):
        return postgres_tables(datastore, recorder.events_table_name)
    raise TransparencyUnavailableError(
        "the tamper-evident log lives in the ledger's database: use an SQLite file or"
        " PostgreSQL, not memory://"
    )
