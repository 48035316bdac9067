"""What every read-model store offers: loading rows, committing a batch, and queries.

Three stores implement it: in memory (``memory_store``), SQLite and PostgreSQL
(``sql_store``). Each is also one of the eventsourcing library's tracking
recorders, so its position is the library's tracking position, written in the
same transaction as the rows of each batch.
"""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Tracking

from projections.ordering import RankBy, WorkFilter
from projections.rows import MemberRow, WorkRow
from projections.staging import Changes

__all__ = ["UPSTREAM", "ReadModelStore"]

# The tracking name: the application whose log the read models follow.
UPSTREAM = "RemixLedger"


class ReadModelStore(Protocol):
    """A place the read models live."""

    def load(self, table: str, key: UUID) -> Any:
        """One committed row, or None."""

    def commit(self, changes: Changes, tracking: Tracking) -> None:
        """Write a batch's changes and its tracking position in one transaction.

        Raises the library's IntegrityError when the position was already
        recorded, so no event is ever applied twice.
        """

    def reset(self) -> None:
        """Forget every row and the position: the start of a rebuild.

        A store may also drop indexes here that are cheaper to build once at
        the end (``rebuilt``); queries stay correct meanwhile, only slower.
        """

    def rebuilt(self) -> None:
        """A rebuild reached the log's head: build what ``reset`` put off (indexes)."""

    def max_tracking_id(self, application_name: str) -> int | None: ...

    def wait(
        self, application_name: str, notification_id: int | None, timeout: float = 1.0
    ) -> None: ...

    def ranked_works(
        self, by: RankBy, where: WorkFilter, limit: int, offset: int, half_life_hours: float
    ) -> list[WorkRow]: ...

    def leaderboard(self, limit: int, offset: int) -> list[MemberRow]: ...

    def history(self, subject: UUID, after: int, limit: int, as_of: int | None) -> list[int]:
        """The positions of the events in ``subject``'s history after ``after`` (up to
        ``as_of``), in order: an index into the log, which holds the events."""

    def descendant_count(self, work_id: UUID) -> int: ...

    def keys(self) -> dict[str, set[UUID]]:
        """The key of every row, per table (what exists, without the rows)."""

    def dump(self) -> dict[str, list[Any]]:
        """Every row of every table, in a canonical order (for comparing two views)."""

    def close(self) -> None: ...
