"""Finding records: works by kind, author, title text and retraction; members by handle.

Pages are in a stable order with a cursor: works by position (the cursor is the
last work's position), members by handle (the cursor is the last handle). The
SQL stores answer from their tables and indexes (``SqlReadModels.listed_works``);
any other store (the in-memory one) is filtered from its rows here, which is
what the SQL query does, so the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from projections.rows import MemberRow, WorkRow
from projections.store import ReadModelStore

__all__ = ["WorkQuery", "list_members", "list_works"]


@dataclass(frozen=True)
class WorkQuery:
    """Which works to list; None leaves a field unfiltered.

    ``title`` matches any title that contains it, without regard to case.
    """

    kind: str | None = None
    author: UUID | None = None
    title: str | None = None
    retracted: bool | None = None

    def matches(self, row: WorkRow) -> bool:
        return (
            (self.kind is None or row.kind == self.kind)
            and (self.author is None or self.author in row.authors)
            and (self.title is None or self.title.casefold() in row.title.casefold())
            and (self.retracted is None or row.retracted == self.retracted)
        )


def list_works(store: ReadModelStore, query: WorkQuery, after: int, limit: int) -> list[WorkRow]:
    """Up to ``limit`` works matching ``query`` recorded after position ``after``, in order."""
    listed = getattr(store, "listed_works", None)
    if listed is not None:
        rows: list[WorkRow] = listed(query, after, limit)
        return rows
    every = [row for _, row in store.dump()["works"]]
    found = sorted((r for r in every if r.position > after and query.matches(r)), key=_position)
    return found[:limit]


def list_members(store: ReadModelStore, after: str, limit: int) -> list[MemberRow]:
    """Up to ``limit`` members whose handle sorts after ``after``, by handle."""
    listed = getattr(store, "listed_members", None)
    if listed is not None:
        rows: list[MemberRow] = listed(after, limit)
        return rows
    every = [row for _, row in store.dump()["members"]]
    return sorted((r for r in every if r.handle > after), key=_handle)[:limit]


def _position(row: Any) -> int:
    position: int = row.position
    return position


def _handle(row: Any) -> str:
    handle: str = row.handle
    return handle
