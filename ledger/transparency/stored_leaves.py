"""The stored tree as the audit reads it: its leaves in order, a page at a time, and its nodes."""

from __future__ import annotations

from ledger.transparency.store import TreeStore
from ledger.transparency.tables import StoredLeaf, split_run

__all__ = ["PAGE", "StoredLeaves", "stored_nodes"]

# Leaves (and log events) read at a time.
PAGE = 20_000


class StoredLeaves:
    """The stored leaves in order, (index, position, hash), read about a page at a time."""

    def __init__(self, store: TreeStore) -> None:
        self.tables = store.tables
        self.after = -1  # the first leaf index of the last row read
        self.buffer: list[StoredLeaf] = []
        self.at = 0

    def _fill(self) -> bool:
        tables = self.tables
        select = f"SELECT leaf_index, position, hash FROM {tables.leaves} WHERE leaf_index > ?"
        with tables.transaction(commit=False) as cursor:
            tables.plain_rows(cursor)
            # The rows that start in the next page of leaf indexes (each row a run of
            # one leaf or more); past a hole wider than that, the next row.
            cursor.execute(
                tables.sql(f"{select} AND leaf_index <= ? ORDER BY leaf_index"),
                (self.after, self.after + PAGE),
            )
            rows = cursor.fetchall()
            if not rows:
                cursor.execute(tables.sql(f"{select} ORDER BY leaf_index LIMIT 1"), (self.after,))
                rows = cursor.fetchall()
        if not rows:
            return False
        leaves = self.buffer[self.at :]
        for first, position, hashes in rows:
            leaves += split_run(first, position, bytes(hashes))
        self.buffer = leaves
        self.at = 0
        self.after = rows[-1][0]
        return True

    def take(self, count: int) -> list[StoredLeaf]:
        """Up to ``count`` next leaves."""
        while len(self.buffer) - self.at < count and self._fill():
            pass
        taken = self.buffer[self.at : self.at + count]
        self.at += len(taken)
        return taken

    def give_back(self, count: int) -> None:
        self.at -= count

    def next(self) -> StoredLeaf | None:
        taken = self.take(1)
        return taken[0] if taken else None


def stored_nodes(store: TreeStore) -> dict[tuple[int, int], bytes]:
    with store.tables.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT level, idx, hash FROM {store.tables.nodes}")
        return {(row["level"], row["idx"]): bytes(row["hash"]) for row in cursor.fetchall()}
