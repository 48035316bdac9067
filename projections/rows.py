"""The rows of the read models: one small record type per table.

Rows are plain, mutable slots dataclasses; the model changes them in place and
the store writes the changed ones back, with the tracking position, at the end
of each batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

__all__ = ["CommentRow", "EdgeRow", "HistoryRow", "MemberRow", "NameRow", "VoteRow", "WorkRow"]


@dataclass(slots=True)
class WorkRow:
    """A work's ranking facts."""

    work_id: UUID
    title: str
    kind: str
    authors: tuple[UUID, ...]
    created_at: datetime
    position: int
    retracted: bool = False
    up: int = 0
    down: int = 0
    comments: int = 0
    direct_remixes: int = 0


@dataclass(slots=True)
class MemberRow:
    """A contributor's leaderboard facts."""

    member_id: UUID
    handle: str
    name: str
    works: int = 0
    remixes_received: int = 0
    votes_up: int = 0
    votes_down: int = 0


@dataclass(slots=True)
class VoteRow:
    """The current value of one member's vote on one work (0 once withdrawn)."""

    vote_id: UUID
    member_id: UUID
    work_id: UUID
    value: int


@dataclass(slots=True)
class CommentRow:
    comment_id: UUID
    work_id: UUID
    retracted: bool = False


@dataclass(frozen=True, slots=True)
class EdgeRow:
    """One citation: ``source`` is built upon by ``derived``."""

    source: UUID
    derived: UUID
    relation: str
    position: int


@dataclass(slots=True)
class NameRow:
    """The display name a creation event gives its record (a member's ``@handle``, a
    work's or production's quoted title), and that event's position.

    Histories are rendered from the log when read, and an event names a record
    only if the record had been created by then (as ``Namebook`` did while reading
    the log), so the position is kept beside the name.
    """

    name: str
    position: int


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One event as it appears in the history of one subject (member, work...).

    Rendered from the log when a history is read (``projections.histories``); the
    read models keep only which positions each subject's history holds.
    """

    subject_id: UUID
    position: int
    occurred_at: datetime
    recorded_at: datetime
    type: str
    actor_id: UUID | None
    actor: str
    summary: str
    ids: tuple[UUID, ...]
