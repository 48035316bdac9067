"""The audit page: the event log by position, filtered by member, work or event type.

With a member or a work, the page reads that subject's history from the read
models (an index of positions into the log); otherwise it walks the log itself
from the position asked for. Either way each event is described as the
histories describe it (``projections.histories``): position, time, type, actor
and a one-line summary, with names as they were at that position, and whether
the latest signed checkpoint (shown whole above the list) covers it.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ledger.domain.errors import InvalidValueError
from projections.histories import render_history
from projections.rows import HistoryRow
from service.web.checkpoints import latest_checkpoint
from service.web.deps import PageServices, ServicesDep
from service.web.errors import PageRoute
from service.web.history import EVENT_TYPES, HISTORY_PER_PAGE, entry_row
from service.web.templating import render_page

__all__ = ["EVENT_TYPES", "router"]

router = APIRouter(route_class=PageRoute)

# The records whose events the audit trail shows (handle claims and token hashes
# are bookkeeping, as in every history).
_AGGREGATES = ("Member", "Work", "Comment", "Vote", "Production")
# The whole log is no one subject's history; entries carry this as their subject.
_WHOLE_LOG = UUID(int=0)
#: Stored events read per step of a walk (and steps per page at most).
_BATCH = 500
_MAX_STEPS = 40

Reference = Annotated[str | None, Query(max_length=200)]


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(
    request: Request,
    services: ServicesDep,
    member: Reference = None,
    work: Reference = None,
    type: Annotated[str | None, Query(max_length=40)] = None,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> HTMLResponse:
    member, work, type = (
        value.strip() or None if value else None for value in (member, work, type)
    )
    if type is not None and type not in EVENT_TYPES:
        raise InvalidValueError(f"event type {type!r} is not one of: {', '.join(EVENT_TYPES)}")
    ledger = services.ledger
    member_id = None if member is None else ledger.find_member(member)
    work_id = None if work is None else ledger.find_work(work)
    subject = member_id or work_id
    if subject is None:
        entries, more = _from_log(services, type, after)
    else:
        other = work_id if member_id is not None else None
        entries, more = _from_history(services, subject, other, type, after)
    query = {"member": member or "", "work": work or "", "type": type or ""}
    return render_page(
        request,
        "audit.html",
        title="Audit trail",
        filters=query,
        event_types=EVENT_TYPES,
        history={
            "entries": [entry_row(entry) for entry in entries],
            "next_after": entries[-1].position if more and entries else None,
        },
        next_query=urlencode({key: value for key, value in query.items() if value}),
        head=ledger.head,
        checkpoint=latest_checkpoint(request, with_last_position=True),
    )


def _from_history(
    services: PageServices, subject: UUID, also: UUID | None, type: str | None, after: int
) -> tuple[list[HistoryRow], bool]:
    """The subject's events after ``after`` that match, a page of them; and whether more follow."""
    found: list[HistoryRow] = []
    cursor: int | None = after
    for _ in range(_MAX_STEPS):
        if cursor is None or len(found) >= HISTORY_PER_PAGE:
            break
        page = services.read_models.history(subject, after=cursor, limit=_BATCH)
        for entry in page.entries:
            if (
                entry.type in EVENT_TYPES
                and (type is None or entry.type == type)
                and (also is None or also in entry.ids)
            ):
                found.append(entry)
        cursor = page.next_after
    more = len(found) > HISTORY_PER_PAGE or cursor is not None
    return found[:HISTORY_PER_PAGE], more


def _from_log(
    services: PageServices, type: str | None, after: int
) -> tuple[list[HistoryRow], bool]:
    """The log's events after ``after`` (of ``type``), a page of them; and whether more follow."""
    ledger = services.ledger
    positions: list[int] = []
    start = after + 1
    exhausted = False
    for _ in range(_MAX_STEPS):
        notifications = ledger.recorder.select_notifications(start=start, limit=_BATCH)
        for notification in notifications:
            aggregate, _, name = notification.topic.partition(":")[2].partition(".")
            if aggregate in _AGGREGATES and (type is None or name == type):
                positions.append(notification.id)
        exhausted = len(notifications) < _BATCH
        if exhausted or len(positions) > HISTORY_PER_PAGE:
            break
        start = notifications[-1].id + 1
    more = len(positions) > HISTORY_PER_PAGE or not exhausted
    shown = positions[:HISTORY_PER_PAGE]
    # Events are described with the read models' names: wait until they hold them.
    if shown:
        services.read_models.projector.wait(shown[-1], timeout=services.settings.wait_seconds)
    store = services.read_models.store
    return render_history(ledger, store, _WHOLE_LOG, shown), more
