"""Reading the ledger's log: events in order, and the position at a moment in time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from typing import Any

from eventsourcing.utils import TopicError, resolve_topic

from ledger.application.ledger import Ledger

__all__ = ["PAGE", "iter_events", "position_at"]

PAGE = 1_000


def iter_events(
    ledger: Ledger,
    start: int = 1,
    stop: int | None = None,
    *,
    page: int = PAGE,
    only: tuple[type, ...] | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield (position, domain event) for the log from ``start`` to ``stop`` inclusive.

    With ``only``, an event of no class in it is not decoded and comes as
    (position, None): a reader that needs a few kinds of event skips the cost of
    decoding the others (most of a community's log is votes and comments), and
    still sees every position. A stored topic is resolved as the mapper would
    (following renamed topics); one that does not resolve is decoded, so that the
    mapper reports it as it always does.
    """
    position = start
    while True:
        notifications = ledger.recorder.select_notifications(start=position, limit=page, stop=stop)
        if not notifications:
            return
        for notification in notifications:
            if only is None or _is_one_of(notification.topic, only):
                yield notification.id, ledger.mapper.to_domain_event(notification)
            else:
                yield notification.id, None
        position = notifications[-1].id + 1


@lru_cache(maxsize=1024)
def _is_one_of(topic: str, classes: tuple[type, ...]) -> bool:
    """Whether a stored topic names one of ``classes`` (True when it does not resolve)."""
    try:
        return issubclass(resolve_topic(topic), classes)
    except (TopicError, TypeError):
        return True


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
