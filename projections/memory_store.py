"""The read models in memory: for tests, ``memory://`` ledgers, and "as of" rebuilds."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.popo import POPOTrackingRecorder

from projections.ordering import RankBy, WorkFilter, sort_key
from projections.rows import EdgeRow, MemberRow, WorkRow
from projections.staging import TABLES, Changes
from projections.store import UPSTREAM

__all__ = ["MemoryReadModels"]


class MemoryReadModels(POPOTrackingRecorder):
    """Rankings, leaderboard, histories and edges held in dictionaries."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[UUID, Any]] = {name: {} for name in TABLES}
        self.edges: dict[tuple[UUID, UUID], EdgeRow] = {}
        self.children: dict[UUID, list[UUID]] = defaultdict(list)
        # The positions of each subject's history, in order (the events are in the log).
        self.histories: dict[UUID, list[int]] = defaultdict(list)

    def load(self, table: str, key: UUID) -> Any:
        with self._database_lock:
            # A copy: the projector changes the rows it reads in place before it commits.
            return _copy(self.tables[table].get(key))

    def commit(self, changes: Changes, tracking: Tracking) -> None:
        with self._database_lock:
            # Check first: a batch already applied changes nothing.
            self._assert_tracking_uniqueness(tracking)
            for table, rows in changes.rows.items():
                self.tables[table].update((key, _copy(row)) for key, row in rows.items())
            for edge in changes.edges:
                self.edges[edge.source, edge.derived] = edge
                self.children[edge.source].append(edge.derived)
            for subject, position in changes.history:
                self.histories[subject].append(position)
            self._insert_tracking(tracking)

    def reset(self) -> None:
        with self._database_lock:
            for rows in self.tables.values():
                rows.clear()
            self.edges.clear()
            self.children.clear()
            self.histories.clear()
            self._max_tracking_ids.pop(UPSTREAM, None)

    def rebuilt(self) -> None:
        return None

    def ranked_works(
        self, by: RankBy, where: WorkFilter, limit: int, offset: int, half_life_hours: float
    ) -> list[WorkRow]:
        with self._database_lock:
            rows = [row for row in self.tables["works"].values() if where.accepts(row)]
        rows.sort(key=sort_key(by, half_life_hours))
        return rows[offset : offset + limit]

    def leaderboard(self, limit: int, offset: int) -> list[MemberRow]:
        with self._database_lock:
            rows = list(self.tables["members"].values())
        rows.sort(key=_leaderboard_key)
        return rows[offset : offset + limit]

    def history(self, subject: UUID, after: int, limit: int, as_of: int | None) -> list[int]:
        with self._database_lock:
            positions = self.histories.get(subject, [])
            chosen = [p for p in positions if p > after and (as_of is None or p <= as_of)]
        return chosen[:limit]

    def descendant_count(self, work_id: UUID) -> int:
        with self._database_lock:
            seen: set[UUID] = set()
            stack = list(self.children.get(work_id, ()))
            while stack:
                work = stack.pop()
                if work not in seen:
                    seen.add(work)
                    stack.extend(self.children.get(work, ()))
            return len(seen)

    def keys(self) -> dict[str, set[UUID]]:
        with self._database_lock:
            return {table: set(rows) for table, rows in self.tables.items()}

    def dump(self) -> dict[str, list[Any]]:
        with self._database_lock:
            dumped: dict[str, list[Any]] = {
                table: sorted(rows.items(), key=lambda item: str(item[0]))
                for table, rows in self.tables.items()
            }
            dumped["edges"] = sorted(
                self.edges.values(), key=lambda e: (str(e.source), str(e.derived))
            )
            dumped["history"] = sorted(
                (subject, position)
                for subject, positions in self.histories.items()
                for position in positions
            )
        return dumped

    def close(self) -> None:
        return None


def _copy(row: Any) -> Any:
    if row is None:
        return row
    return type(row)(*(getattr(row, name) for name in row.__slots__))


def _leaderboard_key(row: MemberRow) -> tuple[int, int, int, str]:
    return (-row.remixes_received, -(row.votes_up - row.votes_down), -row.works, row.handle)
