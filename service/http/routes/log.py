"""The event log by position (the audit trail), and the census of what it holds."""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from pydantic import BaseModel

from ledger.census import take_census
from service.http.deps import LedgerDep

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["log"])

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
    """The events in the order they were recorded: position, type, record, payload."""
    notifications = ledger.recorder.select_notifications(start=after + 1, limit=limit)
    entries = []
    for notification in notifications:
        data = _plain(orjson.loads(notification.state))
        recorded_at = data.pop("timestamp", None)
        data.pop("originator_topic", None)
        entries.append(
            LogEntry(
                position=notification.id,
                recorded_at=_time_text(recorded_at),
                type=notification.topic.rpartition(":")[2],
                record_id=str(notification.originator_id),
                version=notification.originator_version,
                data=data,
            )
        )
    return LogPage(
        head=ledger.head,
        entries=entries,
        next_after=notifications[-1].id if len(notifications) == limit else None,
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
