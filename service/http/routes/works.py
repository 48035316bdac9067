"""Works: contribute or remix, read, list, cite a source, retract, history."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from ledger import Citation, Ledger, Relation
from lineage.graph import LineageGraph
from service.http.cursors import decode_cursor, encode_cursor
from service.http.deps import (
    After,
    CommandKey,
    GraphAfter,
    LedgerDep,
    LineageDep,
    ReadModelsDep,
    ServicesDep,
    Writer,
)
from service.http.histories import HistoryPublic, history_public
from service.http.preconditions import (
    ETAG_HEADERS,
    NOT_MODIFIED,
    WRITTEN,
    IfMatch,
    IfNoneMatch,
    conditional_write,
    not_modified,
)
from service.http.responses import person, position_of, work_summary
from service.http.schemas import (
    Retraction,
    SourceIn,
    SourcePublic,
    WorkCreate,
    WorkPublic,
    WorksPublic,
    WorkSummary,
    WorkWritten,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/works", tags=["works"])

#: A page of the listing looks at no more works than this; a filter that matches
#: nothing in them answers an empty page with a cursor to go on from.
SCAN_LIMIT = 100_000


def citation_of(ledger: Ledger, source: SourceIn) -> Citation:
    return Citation(
        ledger.find_work(source.work),
        Relation(source.relation),
        Citation.parse_percent(source.royalty_percent),
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WorkWritten)
def contribute(
    body: WorkCreate, response: Response, ledger: LedgerDep, actor: Writer, key: CommandKey
) -> WorkWritten:
    """Contribute a work by the acting member; with ``sources`` it is a remix."""
    author = actor.member("contribute works")
    recorded = ledger.remix(
        authors=[author],
        title=body.title,
        kind=body.kind,
        sources=[citation_of(ledger, source) for source in body.sources],
        body=body.body,
        uri=body.uri,
        license=body.license,
        external_id=body.external_id,
        actor_id=author,
        idempotency_key=key,
    )
    response.headers["Location"] = f"/api/works/{recorded.id}"
    return WorkWritten(
        work_id=str(recorded.id),
        external_id=body.external_id,
        position=position_of(response, ledger, recorded),
    )


@router.get("", response_model=WorksPublic)
def list_works(
    lineage: LineageDep,
    ledger: LedgerDep,
    services: ServicesDep,
    after: GraphAfter,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    author: Annotated[str | None, Query(max_length=200, description="A member reference.")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200, description="Title text.")] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> WorksPublic:
    """Works, newest first, filtered by kind, author and title text; a page at a time."""
    author_id = None if author is None else ledger.find_member(author)
    needle = None if q is None else q.casefold()
    with lineage.reading(after, services.settings.wait_seconds) as graph:
        start = decode_cursor(cursor, "w") if cursor is not None else len(graph) - 1
        author_number = _member_number(graph, author_id)
        found: list[WorkSummary] = []
        number = min(start, len(graph) - 1)
        scanned = 0
        while number >= 0 and len(found) < limit and scanned < SCAN_LIMIT:
            if (
                (kind is None or graph.work_at(number)["kind"] == kind)
                and (author_number is None or author_number in graph.author_numbers_at(number))
                and (needle is None or needle in graph.title_at(number).casefold())
            ):
                found.append(work_summary(graph, number))
            number -= 1
            scanned += 1
        if author_id is not None and author_number is None:
            found, number = [], -1
        return WorksPublic(
            position=graph.position,
            works=found,
            next_cursor=encode_cursor("w", number) if number >= 0 else None,
        )


def _member_number(graph: LineageGraph, member_id: UUID | None) -> int | None:
    if member_id is None:
        return None
    try:
        return graph.member_number(member_id)
    except KeyError:
        return None


@router.get(
    "/{work}",
    response_model=WorkPublic,
    responses={200: {"description": "The work.", "headers": ETAG_HEADERS}, **NOT_MODIFIED},
)
def read_work(
    work: str,
    response: Response,
    ledger: LedgerDep,
    lineage: LineageDep,
    services: ServicesDep,
    after: GraphAfter,
    if_none_match: IfNoneMatch = None,
) -> WorkPublic | Response:
    """A work, by id or external id, with its authors and sources."""
    found = ledger.work(ledger.find_work(work))
    unchanged = not_modified(response, found.id, found.version, if_none_match)
    if unchanged is not None:
        return unchanged
    with lineage.reading(
        after, services.settings.wait_seconds, holds=lambda graph: graph.has_work(found.id)
    ) as graph:
        authors = [person(graph, author) for author in found.authors]
    sources = []
    for citation in found.sources:
        source = ledger.work(citation.work_id)
        sources.append(
            SourcePublic(
                work_id=str(source.id),
                external_id=source.external_id,
                title=source.title,
                relation=citation.relation.value,
                royalty_percent=None
                if citation.royalty_percent is None
                else str(citation.royalty_percent),
            )
        )
    return WorkPublic(
        work_id=str(found.id),
        external_id=found.external_id,
        title=found.title,
        kind=found.kind.value,
        authors=authors,
        body=found.body,
        uri=found.uri,
        license=found.license,
        created_at=found.contributed_at,
        retracted=found.retracted,
        sources=sources,
        position=ledger.head,
    )


@router.post("/{work}/sources", response_model=WorkWritten, responses=WRITTEN)
def cite_source(
    work: str,
    body: SourceIn,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> WorkWritten:
    """Add a source to a work (its authors, or the operator); a cycle is refused (409)."""
    work_id = ledger.find_work(work)
    citation = citation_of(ledger, body)
    with conditional_write(ledger, response, work_id, if_match):
        recorded = ledger.cite_source(work_id, citation, actor_id=actor.member_id)
    return WorkWritten(
        work_id=str(work_id),
        external_id=ledger.work(work_id).external_id,
        position=position_of(response, ledger, recorded),
    )


@router.post("/{work}/retraction", response_model=WorkWritten, responses=WRITTEN)
def retract_work(
    work: str,
    body: Retraction,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> WorkWritten:
    """Retract a work (its authors, or the operator): hidden from rankings, kept in the log."""
    work_id = ledger.find_work(work)
    with conditional_write(ledger, response, work_id, if_match):
        recorded = ledger.retract_work(work_id, reason=body.reason, actor_id=actor.member_id)
    return WorkWritten(
        work_id=str(work_id),
        external_id=ledger.work(work_id).external_id,
        position=position_of(response, ledger, recorded),
    )


@router.get("/{work}/history", response_model=HistoryPublic)
def work_history(
    work: str,
    ledger: LedgerDep,
    read_models: ReadModelsDep,
    after: After,
    cursor: Annotated[int, Query(ge=0, le=2**62, description="Events after this position.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> HistoryPublic:
    """Every event about the work, in order, a page at a time."""
    return history_public(read_models, ledger.find_work(work), cursor, limit)
