"""Reading the ledger's log: events in order, and the position at a moment in time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ledger.application import Ledger

__all__ = ["PAGE", "iter_events", "position_at"]

PAGE = 1_000


def iter_events(
    ledger: Ledger, start: int = 1, stop: int | None = None, *, page: int = PAGE
) -> Iterator[tuple[int, Any]]:
    """Yield (position, domain event) for the log from ``start`` to ``stop`` inclusive."""
    position = start
    while True:
        notifications = ledger.recorder.select_notifications(start=position, limit=page, stop=stop)
        if not notifications:
            return
        for notification in notifications:
            yield notification.id, ledger.mapper.to_domain_event(notification)
        position = notifications[-1].id + 1


def position_at(ledger: Ledger, moment: datetime) -> int:
    """The position of the last event recorded at or before ``moment`` (0 if none).

    Binary search over the log by the store's recording timestamps, which grow
    with the position: about log2(head) reads.
    """
    low, high = 0, ledger.head
    while low < high:
        middle = (low + high + 1) // 2
        notifications = ledger.recorder.select_notifications(start=middle, limit=1)
        if not notifications:
            high = middle - 1
            continue
        found = notifications[0]
        event: Any = ledger.mapper.to_domain_event(found)
        if event.timestamp <= moment:
            low = found.id
        else:
            high = middle - 1
    return low
