"""The history pages of members and works (the routes live with their resource)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from projections.queries import ReadModels

__all__ = ["HistoryPublic", "history_public"]


class HistoryEntryPublic(BaseModel):
    position: int
    occurred_at: datetime
    recorded_at: datetime
    type: str
    actor: str
    actor_id: str | None
    summary: str
    ids: list[str]


class HistoryPublic(BaseModel):
    position: int
    entries: list[HistoryEntryPublic]
    next_cursor: int | None


def history_public(read_models: ReadModels, subject: UUID, after: int, limit: int) -> HistoryPublic:
    page = read_models.history(subject, after=after, limit=limit)
    return HistoryPublic(
        position=page.position,
        entries=[
            HistoryEntryPublic(
                position=e.position,
                occurred_at=e.occurred_at,
                recorded_at=e.recorded_at,
                type=e.type,
                actor=e.actor,
                actor_id=None if e.actor_id is None else str(e.actor_id),
                summary=e.summary,
                ids=[str(i) for i in e.ids],
            )
            for e in page.entries
        ],
        next_cursor=page.next_after,
    )
