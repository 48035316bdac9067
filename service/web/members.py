"""The member page: their works, the credits they receive across productions, their history."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ledger.domain.errors import LedgerError, UnknownMemberError
from lineage.credits import credits_for
from lineage.graph import LineageGraph
from lineage.productions import ProductionState
from lineage.royalties import policy_of, statements_of
from service.web.deps import AsOf, ServicesDep
from service.web.errors import PageRoute, first_line
from service.web.history import history_section
from service.web.proposals import member_proposals
from service.web.templating import render_page

__all__ = ["WORKS_PER_PAGE", "router"]

router = APIRouter(route_class=PageRoute)

WORKS_PER_PAGE = 50


@router.get("/members/{member}", response_class=HTMLResponse, include_in_schema=False)
def member_page(
    request: Request,
    member: str,
    services: ServicesDep,
    as_of: AsOf,
    works_from: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    history_after: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> HTMLResponse:
    member_id = services.ledger.find_member(member)
    with services.lineage.reading(
        None, services.settings.wait_seconds, holds=lambda graph: _knows(graph, member_id)
    ) as graph:
        try:
            person = graph.contributor(member_id, as_of)
        except KeyError:
            raise UnknownMemberError(
                f"member {member!r} had not joined at position {as_of}"
            ) from None
        works = _works_by(graph, member_id, as_of)
        credited = _credits_received(graph, member_id, set(works), as_of)
        listed = [
            _work_row(graph, work, as_of)
            for work in works[works_from : works_from + WORKS_PER_PAGE]
        ]
    return render_page(
        request,
        "member.html",
        title=person.credited_as or person.handle,
        as_of=as_of,
        member={
            "handle": person.handle,
            "name": person.name,
            "credited_as": person.credited_as,
            "external_id": person.external_id,
        },
        works=listed,
        works_total=len(works),
        works_from=works_from,
        works_per_page=WORKS_PER_PAGE,
        credited=credited,
        payments=member_proposals(services.ledger, member_id),
        history=history_section(services, member_id, history_after, as_of),
    )


def _knows(graph: LineageGraph, member_id: UUID) -> bool:
    try:
        graph.contributor(member_id)
    except KeyError:
        return False
    return True


def _works_by(graph: LineageGraph, member_id: UUID, as_of: int | None) -> list[UUID]:
    """The member's works, newest first (a scan of the graph, as the API's listing makes)."""
    try:
        number = graph.member_number(member_id)
    except KeyError:
        return []
    return [
        graph.work_id(work)
        for work in range(len(graph) - 1, -1, -1)
        if number in graph.author_numbers_at(work)
        and (as_of is None or graph.position_at(work) <= as_of)
    ]


def _work_row(graph: LineageGraph, work_id: UUID, as_of: int | None) -> dict[str, Any]:
    data = graph.work(work_id)
    return {
        "id": str(work_id),
        "title": data["title"],
        "kind": data["kind"],
        "created_at": data["created_at"],
        "retracted": graph.is_retracted(work_id, as_of),
        "remixes": len(graph.derived_of(work_id, as_of)),
    }


def _credits_received(
    graph: LineageGraph, member_id: UUID, works: set[UUID], as_of: int | None
) -> list[dict[str, Any]]:
    """Per production, each included work the member is credited for, and their payouts."""
    received = []
    for production_id in graph.production_ids:
        try:
            production = graph.production(production_id, as_of)
        except KeyError:
            continue
        lineages = {
            work_id: {work_id, *graph.ancestors(work_id, as_of=as_of)}
            for work_id in production.work_ids
        }
        if not any(lineage & works for lineage in lineages.values()):
            continue
        try:
            shown = _credits_in(graph, production, member_id, works, lineages, as_of)
        except LedgerError as error:
            # Settings recorded under older rules that cannot be paid: this
            # production says why, the others are shown as they are.
            shown = {"error": first_line(error), "shares": [], "payouts": []}
        if shown["shares"] or shown["payouts"] or "error" in shown:
            received.append({"id": str(production_id), "title": production.title, **shown})
    return received


def _credits_in(
    graph: LineageGraph,
    production: ProductionState,
    member_id: UUID,
    works: set[UUID],
    lineages: dict[UUID, set[UUID]],
    as_of: int | None,
) -> dict[str, Any]:
    """The member's shares of the production's included works, and their payouts."""
    policy = policy_of(production)
    shares = []
    for work_id, lineage in lineages.items():
        if not lineage & works:
            continue
        credits = credits_for(graph, work_id, policy, as_of=as_of)
        for credit in credits:
            if credit.member_id == member_id:
                shares.append(
                    {
                        "id": str(work_id),
                        "title": credits.title,
                        "percent": credit.percent,
                        "distance": credit.distance,
                    }
                )
    payouts = [
        {"number": number, "amount": line.amount, "currency": line.currency}
        for number, statement, _ in statements_of(graph, production.production_id)
        if as_of is None or statement.position <= as_of
        for line in statement.lines
        if line.member_id == member_id
    ]
    return {"policy": str(policy), "shares": shares, "payouts": payouts}
