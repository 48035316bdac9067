"""The production page (works, credits, every royalty statement) and each statement as CSV.

Statements are computed as the API's preview computes them (``statements_of``:
each revenue payment's statement as of its own position, to the cent, by
largest remainder), and say whether one was issued for that payment.
"""

from __future__ import annotations

import csv
import io
from contextlib import AbstractContextManager
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from ledger.domain.errors import LedgerError, UnknownProductionError
from lineage.credits import credits_for
from lineage.graph import LineageGraph
from lineage.policies import RoyaltyPolicy, policy_from_name
from lineage.previews import statement_views
from lineage.productions import ProductionState
from lineage.rounding import format_percent
from lineage.royalties import policy_of, statement_for_revenue
from lineage.statements import Statement, format_minor
from service.web.deps import AsOf, PageServices, ServicesDep
from service.web.errors import PageRoute, first_line
from service.web.history import history_section
from service.web.people import credited_person
from service.web.proposals import production_proposals
from service.web.templating import PAGE_HEADERS, render_page

__all__ = ["router", "statement_csv"]

router = APIRouter(route_class=PageRoute)

#: Contributors named per included work on the production page.
CREDITS_PER_WORK = 12
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SKIPPED = "".join(map(chr, range(33))) + "\x7f\u00a0\u2028\u2029\u3000\ufeff"


@router.get("/productions/{production}", response_class=HTMLResponse, include_in_schema=False)
def production_page(
    request: Request,
    production: str,
    services: ServicesDep,
    as_of: AsOf,
    history_after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    what_if: Annotated[str | None, Query(alias="policy", max_length=40)] = None,
) -> HTMLResponse:
    production_id = services.ledger.find_production(production)
    asked = None if what_if is None else policy_from_name(what_if)

    def lineage_part() -> tuple[Any, str, list[dict[str, Any]], list[dict[str, Any]], Any]:
        with _reading(services, production_id) as graph:
            state = _state(graph, production_id, production, as_of)
            try:
                policy = policy_of(state)
            except LedgerError as error:  # recorded under older rules: the page says why
                named = f"{state.policy} (which cannot be computed: {first_line(error)})"
                works = [_uncredited(graph, work) for work in state.work_ids]
            else:
                named = str(policy)
                works = [_included(graph, work, policy, as_of) for work in state.work_ids]
            statements = _statements(graph, production_id, as_of, asked)
            curator = credited_person(graph, state.curator_id, as_of)
            return state, named, works, statements, curator

    # In a lineage worker, within the server's time budget (lineage.budget).
    state, named, works, statements, curator = services.lineage_budget.run(lineage_part)
    return render_page(
        request,
        "production.html",
        title=state.title,
        as_of=as_of,
        production={
            "id": str(production_id),
            "title": state.title,
            "external_id": state.external_id,
            "published_at": state.published_at,
            "policy": named,
            "pool_percent": format(state.pool_percent.normalize(), "f"),
            "curator": curator,
        },
        works=works,
        statements=statements,
        proposals=production_proposals(services.ledger, production_id),
        history=history_section(services, production_id, history_after, as_of),
    )


@router.get("/productions/{production}/statements/{number}.csv", include_in_schema=False)
def statement_download(
    production: str, number: int, services: ServicesDep, as_of: AsOf
) -> Response:
    production_id = services.ledger.find_production(production)

    def lineage_part() -> Statement:
        with _reading(services, production_id) as graph:
            _state(graph, production_id, production, as_of)
            return statement_for_revenue(graph, production_id, number)

    statement = services.lineage_budget.run(lineage_part)
    if as_of is not None and statement.position > as_of:
        raise UnknownProductionError(f"revenue payment #{number} came after position {as_of}")
    name = f"statement-{number}.csv"
    return Response(
        statement_csv(statement),
        media_type="text/csv; charset=utf-8",
        headers={**PAGE_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )


def _reading(services: PageServices, production_id: UUID) -> AbstractContextManager[LineageGraph]:
    """The lineage graph, once it holds the production (perhaps just recorded)."""
    return services.lineage.reading(
        None,
        services.settings.wait_seconds,
        holds=lambda graph: production_id in graph.production_ids,
    )


def statement_csv(statement: Statement) -> str:
    """One row per payee: who, the amount to the cent, the exact share, waived or not."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["handle", "credited_as", "amount", "currency", "share_percent", "share", "waived"]
    )
    for line in statement.lines:
        share = line.share
        writer.writerow(
            [
                _cell(line.handle if line.credited_as is not None else ""),
                _cell(line.display_name),
                line.amount,
                line.currency,
                format_percent(share),
                f"{share.numerator}/{share.denominator}",
                "yes" if line.waived else "no",
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    # A name that starts like a formula is written as text (OWASP's CSV injection advice),
    # also behind leading spaces or control characters (an old ledger's "\n=1+1"),
    # which a spreadsheet may skip before it reads the formula.
    if text.startswith(_FORMULA_START) or text.lstrip(_SKIPPED).startswith(_FORMULA_START):
        return "'" + text
    return text


def _state(
    graph: LineageGraph, production_id: UUID, reference: str, as_of: int | None
) -> ProductionState:
    try:
        return graph.production(production_id, as_of)
    except KeyError:
        raise UnknownProductionError(
            f"production {reference!r} did not exist yet at position {as_of}"
        ) from None


def _included(graph: LineageGraph, work_id: UUID, policy: Any, as_of: int | None) -> dict[str, Any]:
    credits = credits_for(graph, work_id, policy, as_of=as_of)
    return {
        "id": str(work_id),
        "title": credits.title,
        "credits": [
            {
                "name": credit.display_name,
                "member": None if credit.credited_as is None else credit.handle,
                "percent": credit.percent,
            }
            for credit in credits.credits[:CREDITS_PER_WORK]
        ],
        "more": max(0, len(credits) - CREDITS_PER_WORK),
    }


def _uncredited(graph: LineageGraph, work_id: UUID) -> dict[str, Any]:
    return {"id": str(work_id), "title": graph.work(work_id)["title"], "credits": [], "more": 0}


def _statements(
    graph: LineageGraph, production_id: UUID, as_of: int | None, asked: RoyaltyPolicy | None
) -> list[dict[str, Any]]:
    """Each revenue payment's statement, or its what-if under ``asked`` (labelled as
    such, lineage.previews); one that cannot be computed (settings recorded under
    older rules) says why, and the others are shown as they are."""
    latest = graph.production(production_id)
    shown: list[dict[str, Any]] = []
    for number, revenue in enumerate(latest.revenue, start=1):
        if as_of is not None and revenue.position > as_of:
            continue
        try:
            (view,) = statement_views(graph, production_id, policy=asked, revenue_number=number)
        except LedgerError as error:
            issued = number in latest.statements
            shown.append({"number": number, "issued": issued, "error": first_line(error)})
        else:
            shown.append(
                {
                    "number": number,
                    "issued": view.issued,
                    "what_if": view.what_if,
                    "label": view.label,
                    **_statement_view(graph, view.statement),
                }
            )
    return shown


def _statement_view(graph: LineageGraph, statement: Statement) -> dict[str, Any]:
    return {
        "revenue": statement.revenue.format_amount(),
        "currency": statement.currency,
        "pool": format_minor(statement.pool_minor_units, statement.currency),
        "pool_percent": format_percent(statement.pool_percent),
        "policy": statement.policy,
        "position": statement.position,
        "lines": [
            {
                "name": line.display_name,
                "member": None if line.credited_as is None else line.handle,
                "amount": line.amount,
                "percent": format_percent(line.share),
                "waived": line.waived,
            }
            for line in statement.lines
        ],
    }
