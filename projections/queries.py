"""Questions asked of the read models: rankings, discovery, the leaderboard, histories.

``ReadModels`` pairs a store with its projector. Every answer says up to which
position it is current; ``as_of`` answers for a past position (or time): histories
filter by position (the store keeps their positions, the events are read from the
log, ``projections.histories``), while rankings are rebuilt into memory up to that position,
which costs one pass over the log up to it (about the rate of a rebuild; see
docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from ledger import Ledger
from ledger.application.log import position_at
from projections.histories import render_history
from projections.memory_store import MemoryReadModels
from projections.ordering import RankBy, WorkFilter
from projections.projector import Projector
from projections.rows import HistoryRow, MemberRow, WorkRow
from projections.scores import DEFAULT_HALF_LIFE_HOURS, Z_95, hot_score, wilson_lower_bound
from projections.store import ReadModelStore

__all__ = ["HistoryPage", "RankedWork", "ReadModels", "resolve_as_of"]


@dataclass(frozen=True)
class RankedWork:
    """One line of a ranking."""

    rank: int
    work: WorkRow
    wilson: float
    hot: float
    descendants: int

    def as_dict(self) -> dict[str, Any]:
        w = self.work
        return {
            "rank": self.rank,
            "work_id": str(w.work_id),
            "title": w.title,
            "kind": w.kind,
            "authors": [str(a) for a in w.authors],
            "created_at": w.created_at.isoformat(),
            "up": w.up,
            "down": w.down,
            "wilson": round(self.wilson, 6),
            "hot": round(self.hot, 6),
            "comments": w.comments,
            "direct_remixes": w.direct_remixes,
            "descendants": self.descendants,
            "position": w.position,
        }


@dataclass(frozen=True)
class HistoryPage:
    """A page of a history, and the cursor (a position) for the next page."""

    entries: list[HistoryRow]
    next_after: int | None
    position: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "next_after": self.next_after,
            "entries": [
                {
                    "position": e.position,
                    "occurred_at": e.occurred_at.isoformat(),
                    "recorded_at": e.recorded_at.isoformat(),
                    "type": e.type,
                    "actor": e.actor,
                    "actor_id": None if e.actor_id is None else str(e.actor_id),
                    "summary": e.summary,
                    "ids": [str(i) for i in e.ids],
                }
                for e in self.entries
            ],
        }


def resolve_as_of(ledger: Ledger, as_of: int | datetime | None) -> int | None:
    """A position from a position or a time (the last event recorded by then)."""
    if isinstance(as_of, datetime):
        return position_at(ledger, as_of)
    return as_of


class ReadModels:
    """The read models of one ledger: queries, kept current by their projector."""

    def __init__(
        self,
        ledger: Ledger,
        store: ReadModelStore,
        *,
        half_life_hours: float = DEFAULT_HALF_LIFE_HOURS,
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.projector = Projector(ledger, store)
        self.half_life_hours = half_life_hours

    def rankings(
        self,
        by: RankBy = RankBy.wilson,
        where: WorkFilter | None = None,
        *,
        limit: int = 20,
        offset: int = 0,
        as_of: int | None = None,
        now: datetime | None = None,
    ) -> list[RankedWork]:
        """The top works; retracted works never appear."""
        store = self._store_as_of(as_of)
        rows = store.ranked_works(by, where or WorkFilter(), limit, offset, self.half_life_hours)
        moment = now or self.present(store)
        return [
            RankedWork(
                rank=offset + index + 1,
                work=row,
                wilson=wilson_lower_bound(row.up, row.down, Z_95),
                hot=hot_score(row.up, row.down, row.created_at, moment, self.half_life_hours),
                descendants=store.descendant_count(row.work_id),
            )
            for index, row in enumerate(rows)
        ]

    @staticmethod
    def present(store: ReadModelStore) -> datetime:
        """The ledger's "now" for hot scores: when its newest work was created.

        For a live studio that is (about) now; for an imported archive it is the
        archive's last day, so hot scores stay meaningful and reproducible.
        """
        newest = store.ranked_works(RankBy.newest, WorkFilter(), 1, 0, DEFAULT_HALF_LIFE_HOURS)
        return newest[0].created_at if newest else datetime.now(UTC)

    def leaderboard(
        self, *, limit: int = 20, offset: int = 0, as_of: int | None = None
    ) -> list[MemberRow]:
        """Contributors by remixes others built on their works, then net votes, then works."""
        return self._store_as_of(as_of).leaderboard(limit, offset)

    def history(
        self, subject: UUID, *, after: int = 0, limit: int = 100, as_of: int | None = None
    ) -> HistoryPage:
        """The events about ``subject`` after position ``after``, in order."""
        positions = self.store.history(subject, after, limit, as_of)
        entries = render_history(self.ledger, self.store, subject, positions)
        next_after = entries[-1].position if len(entries) == limit else None
        return HistoryPage(entries, next_after, as_of or self.projector.position)

    def _store_as_of(self, as_of: int | None) -> ReadModelStore:
        if as_of is None or as_of >= self.projector.position:
            return self.store
        # Rankings keep only the present; the past is rebuilt in memory.
        past = MemoryReadModels()
        Projector(self.ledger, past).catch_up(until=as_of)
        return past
