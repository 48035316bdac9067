"""Histories rendered from the log: the read models are an index, the log holds the events.

A store keeps, for each member, work... only the positions of the events in its
history. A page of a history reads those events back from the ledger's log by
position and describes each with ``ledger.history.Namebook``, as ``history_of``
does on its pass over the log: type, actor, times, the ids involved, a summary.

Names are exact: a creation event names its record once and for all (handles and
titles never change) and the names table keeps the position of that event, so an
event is described with the names known at its own position, as a pass over the
log would. The look-ups of votes and comments (their member and work) never change
either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from ledger import Ledger
from ledger.application.history import Namebook
from projections.rows import HistoryRow
from projections.staging import Lookup
from projections.store import ReadModelStore

__all__ = ["render_history"]


def render_history(
    ledger: Ledger, store: ReadModelStore, subject: UUID, positions: Sequence[int]
) -> list[HistoryRow]:
    """The history entries of ``subject`` at ``positions`` (ascending), read from the log."""
    rows = _Rows(store)
    votes = Lookup(rows.vote)
    comments = Lookup(rows.comment)
    decode = ledger.mapper.to_domain_event
    entries = []
    for notification in _notifications(ledger, positions):
        position = notification.id
        event: Any = decode(notification)
        book = Namebook(names=Lookup(rows.names_at(position)), votes=votes, comments=comments)
        actor_id = getattr(event, "actor_id", None)
        entries.append(
            HistoryRow(
                subject,
                position,
                event.occurred_at,
                event.timestamp,
                type(event).__name__,
                actor_id,
                book.name(actor_id),
                book.summary(event),
                book.involved(event),
            )
        )
    return entries


def _notifications(ledger: Ledger, positions: Sequence[int]) -> Iterator[Notification]:
    """The notifications at ``positions``: one read per run of consecutive positions."""
    wanted = set(positions)
    index = 0
    while index < len(positions):
        end = index
        while end + 1 < len(positions) and positions[end + 1] == positions[end] + 1:
            end += 1
        first, last = positions[index], positions[end]
        found = ledger.recorder.select_notifications(start=first, limit=last - first + 1, stop=last)
        yield from (n for n in found if n.id in wanted)
        index = end + 1


class _Rows:
    """The rows a page's descriptions need, each read from the store once."""

    def __init__(self, store: ReadModelStore) -> None:
        self.store = store
        self.loaded: dict[tuple[str, UUID], Any] = {}

    def _row(self, table: str, key: UUID) -> Any:
        try:
            return self.loaded[table, key]
        except KeyError:
            row = self.loaded[table, key] = self.store.load(table, key)
            return row

    def names_at(self, position: int) -> Callable[[UUID], str | None]:
        """Records' names as they were at ``position`` (given at or before it)."""

        def name(key: UUID) -> str | None:
            row = self._row("names", key)
            return row.name if row is not None and row.position <= position else None

        return name

    def vote(self, key: UUID) -> tuple[UUID, UUID] | None:
        row = self._row("votes", key)
        return None if row is None else (row.member_id, row.work_id)

    def comment(self, key: UUID) -> UUID | None:
        row = self._row("comments", key)
        return None if row is None else row.work_id
