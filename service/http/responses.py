"""Helpers the routes share: the write's position, and records as the API shows them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Response

from ledger import Ledger, Recorded
from lineage.graph import LineageGraph
from service.http.schemas import PersonPublic, SourcePublic, WorkSummary

__all__ = ["person", "position_of", "source_public", "work_summary"]

POSITION_HEADER = "Ledger-Position"


def position_of(response: Response, ledger: Ledger, recorded: Recorded | int | None) -> int:
    """The position a write answers with (body and ``Ledger-Position``): its last
    event's, or, when it recorded nothing new (a repeat), the head, which includes
    the earlier event that made it a repeat."""
    position = recorded.position if isinstance(recorded, Recorded) else recorded
    if position is None:
        position = ledger.head
    response.headers[POSITION_HEADER] = str(position)
    return position


def person(graph: LineageGraph, member_id: UUID, as_of: int | None = None) -> PersonPublic:
    try:
        contributor = graph.contributor(member_id, as_of)
    except KeyError:
        return PersonPublic(member_id=str(member_id), external_id=None, handle="", credited_as=None)
    return PersonPublic(
        member_id=str(member_id),
        external_id=contributor.external_id,
        handle=contributor.handle,
        credited_as=contributor.credited_as,
    )


def work_summary(graph: LineageGraph, number: int) -> WorkSummary:
    data: dict[str, Any] = graph.work_at(number)
    return WorkSummary(
        work_id=str(graph.work_id(number)),
        external_id=data["external_id"],
        title=data["title"],
        kind=data["kind"],
        authors=[str(author) for author in data["authors"]],
        created_at=data["created_at"],
        retracted=data["retracted_at"] is not None,
        position=data["position"],
    )


def source_public(graph: LineageGraph, source: UUID, derived: UUID) -> SourcePublic:
    number = graph.number(source)
    citation = graph.citation(source, derived)
    percent = citation.get("royalty_percent")
    return SourcePublic(
        work_id=str(source),
        external_id=graph.external_id_at(number),
        title=graph.title_at(number),
        relation=citation["relation"],
        royalty_percent=None if percent is None else str(percent),
    )
