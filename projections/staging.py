"""Rows staged for one batch, read through to the store, written back all at once.

The model reads a row (from what this batch changed, else from the rows the
projector keeps in memory, else from the store), changes it in place and marks it
changed; at the end of the batch the store writes every changed row and the
tracking position in one transaction. Rows are not copied before they change: if
the batch fails, the projector forgets every row it holds in memory
(``RowCache.clear``), so what it reads next comes from the store again. A store
must therefore never hand out, or keep, row objects it also holds itself (the
in-memory store copies).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any
from uuid import UUID

from projections.rows import EdgeRow

__all__ = ["TABLES", "Changes", "Lookup", "RowCache", "Staged"]

TABLES = ("works", "members", "votes", "comments", "names")


class RowCache:
    """Committed rows kept in memory between batches, bounded per table (oldest out).

    ``known`` holds the keys of every row the store has, per table (the keys
    only, which outlive the bounded rows): loaded once when a projector resumes,
    empty for a rebuild, and grown with every row this cache writes. So a key not
    in it needs no read to know its row is absent. It is only valid while this
    projector is the one writing; ``invalidate`` drops it.
    """

    def __init__(self, maxsize: int = 500_000) -> None:
        self.maxsize = maxsize
        self.tables: dict[str, OrderedDict[UUID, Any]] = {name: OrderedDict() for name in TABLES}
        self.known: dict[str, set[UUID]] | None = None

    def know(self, keys: dict[str, set[UUID]]) -> None:
        """Every key the store holds, per table (empty sets for an empty store)."""
        self.known = keys

    def known_absent(self, table: str, key: UUID) -> bool:
        return self.known is not None and key not in self.known[table]

    def get(self, table: str, key: UUID) -> Any:
        return self.tables[table].get(key)

    def put(self, table: str, key: UUID, row: Any) -> None:
        # First in, first out: cheaper than keeping the order of use, and a row
        # dropped too early costs one read from the store.
        rows = self.tables[table]
        rows[key] = row
        if len(rows) > self.maxsize:
            rows.popitem(last=False)

    def clear(self) -> None:
        """Forget every row and key (another writer may have changed the store)."""
        for rows in self.tables.values():
            rows.clear()
        self.known = None


class Changes:
    """What one batch changed: rows by table, new edges, new history entries.

    A history entry is only a (subject, position) pair: the event itself is read
    from the log when the history is (``projections.histories``).
    """

    def __init__(self) -> None:
        self.rows: dict[str, dict[UUID, Any]] = {name: {} for name in TABLES}
        self.edges: list[EdgeRow] = []
        self.history: list[tuple[UUID, int]] = []

    def __bool__(self) -> bool:
        return bool(self.edges or self.history or any(self.rows.values()))


Loader = Callable[[str, UUID], Any]


class Staged:
    """The tables as one batch sees them."""

    def __init__(self, cache: RowCache, load: Loader) -> None:
        self.cache = cache
        self.load = load
        self.changes = Changes()

    def get(self, table: str, key: UUID) -> Any:
        row = self.changes.rows[table].get(key)
        if row is not None:
            return row
        cache = self.cache
        row = cache.get(table, key)
        if row is None and not cache.known_absent(table, key):
            row = self.load(table, key)
            if row is not None:
                cache.put(table, key, row)
        return row

    def put(self, table: str, key: UUID, row: Any) -> None:
        self.changes.rows[table][key] = row

    def committed(self) -> None:
        """The batch was saved: what it changed is now what the store holds."""
        known = self.cache.known
        for table, rows in self.changes.rows.items():
            for key, row in rows.items():
                self.cache.put(table, key, row)
                if known is not None:
                    known[table].add(key)
        self.changes = Changes()

    def mapping(self, table: str, convert: Callable[[Any], Any] = lambda row: row) -> Lookup:
        """One staged table as ``ledger.history.Namebook`` reads it (rows converted)."""

        def find(key: UUID) -> Any:
            row = self.get(table, key)
            return None if row is None else convert(row)

        return Lookup(find)


class Lookup(MutableMapping[UUID, Any]):
    """A read-only mapping over a look-up function (None: absent), for ``Namebook``,
    which asks its mappings only ``get`` and ``[]``."""

    def __init__(self, find: Callable[[UUID], Any]) -> None:
        self.find = find

    def get(self, key: UUID, default: Any = None) -> Any:
        # One call instead of the mixin's three.
        value = self.find(key)
        return default if value is None else value

    def __getitem__(self, key: UUID) -> Any:
        value = self.find(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: UUID, value: Any) -> None:
        raise TypeError("read models are changed by the model's rows, not through a look-up")

    def __delitem__(self, key: UUID) -> None:
        raise TypeError("read models never delete")

    def __iter__(self) -> Iterator[UUID]:
        raise TypeError("a look-up cannot be listed")

    def __len__(self) -> int:
        raise TypeError("a look-up cannot be counted")
