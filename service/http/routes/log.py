"""The event log by position (the audit trail), and the census of what it holds.

A page of the log is bounded by bytes as well as by count: events carry bodies
(up to the request size limit each), so a thousand of them could make one answer
of hundreds of megabytes, held in memory while it is built.
"""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any

import orjson
from eventsourcing.persistence import Notification
from fastapi import APIRouter, Query
from pydantic import BaseModel

from ledger.application.census import take_census
from service.http.deps import LedgerDep

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["log"])

#: A page holds at most this many bytes of stored event payload (and always at least
#: one event, so a cursor always moves on).
PAGE_MAX_BYTES = 1 << 20
#: The store is read this many events at a time, so a page never reads far past its bound.
_READ_CHUNK = 50

#: A census reads the whole log; one is kept this long and says its position.
CENSUS_MAX_AGE_SECONDS = 60.0


class LogEntry(BaseModel):
    position: int
    recorded_at: str | None
    type: str
    record_id: str
    version: int
    data: dict[str, Any]


class LogPage(BaseModel):
    head: int
    entries: list[LogEntry]
    next_after: int | None


@router.get("/log", response_model=LogPage)
def read_log(
    ledger: LedgerDep,
    after: Annotated[int, Query(ge=0, le=2**62, description="Events after this position.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> LogPage:
    """The events in the order they were recorded: position, type, record, payload.

    A page ends at ``limit`` events or at about 1 MiB of payload, whichever comes
    first; ``next_after`` is the position to go on from (None at the log's end)."""
    entries: list[LogEntry] = []
    size = 0
    position = after
    more = True
    while more and len(entries) < limit:
        wanted = min(_READ_CHUNK, limit - len(entries))
        notifications = ledger.recorder.select_notifications(start=position + 1, limit=wanted)
        more = len(notifications) == wanted
        for notification in notifications:
            size += len(notification.state)
            if entries and size > PAGE_MAX_BYTES:
                return LogPage(head=ledger.head, entries=entries, next_after=position)
            entries.append(_entry(notification))
            position = notification.id
    return LogPage(head=ledger.head, entries=entries, next_after=position if more else None)


def _entry(notification: Notification) -> LogEntry:
    data = _plain(orjson.loads(notification.state))
    recorded_at = data.pop("timestamp", None)
    data.pop("originator_topic", None)
    kind = notification.topic.rpartition(":")[2]
    if kind.startswith("ApiToken."):
        # A token's label is its issuer's note ("ana's laptop"): operators read it with
        # ``token list``; the public log keeps only who could act, and from when.
        data.pop("label", None)
    return LogEntry(
        position=notification.id,
        recorded_at=_time_text(recorded_at),
        type=kind,
        record_id=str(notification.originator_id),
        version=notification.originator_version,
        data=data,
    )


def _time_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _plain(value: Any) -> Any:
    """The stored JSON with the transcoder's ``{"_type_", "_data_"}`` wrappers taken off."""
    if isinstance(value, dict):
        if value.keys() == {"_type_", "_data_"}:
            return _plain(value["_data_"])
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


_census_lock = threading.Lock()
_census: dict[int, tuple[float, Any]] = {}


@router.get("/census")
def census(ledger: LedgerDep) -> dict[str, Any]:
    """Counts of what the ledger holds (recomputed at most once a minute; ``position``
    says up to where it counted)."""
    key = id(ledger)
    with _census_lock:
        cached = _census.get(key)
        if cached is not None and time.monotonic() - cached[0] < CENSUS_MAX_AGE_SECONDS:
            return dict(cached[1])
        counted: dict[str, Any] = take_census(ledger).as_dict()
        _census[key] = (time.monotonic(), counted)
        return counted
