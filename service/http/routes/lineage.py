"""A work's lineage: credits (JSON, text, Markdown, HTML), family tree, provenance.

Answered from the server's long-lived lineage graph, which follows the log; with
``after`` the answer waits until the graph includes that position.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from ledger import Ledger
from ledger.application.log import position_at
from ledger.domain.errors import InvalidValueError
from ledger.domain.values import parse_position_or_time
from lineage.attribution import attribution_html, attribution_markdown, attribution_text
from lineage.credits import credits_for
from lineage.family_tree import FamilyTree, family_tree
from lineage.policies import policy_from_name
from lineage.provenance import provenance_document
from lineage.render import render, to_dot, to_graphml, to_json
from service.http.deps import GraphAfter, LedgerDep, LineageDep, ServicesDep

__all__ = ["router"]

router = APIRouter(prefix="/api/works/{work}", tags=["lineage"])

AsOfQuery = Annotated[
    str | None,
    Query(
        max_length=40,
        description="A past position, an RFC 3339 time, or a date YYYY-MM-DD (its end, UTC).",
    ),
]
#: The most works a drawn family tree shows (the rest become "+N more").
MAX_TREE_NODES = 500
_TREE_MEDIA = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "dot": "text/vnd.graphviz; charset=utf-8",
    "json": "application/json",
    "graphml": "application/graphml+xml",
}


def as_of_position(ledger: Ledger, as_of: str | None) -> int | None:
    """``as_of``: a position, or the position at an RFC 3339 time."""
    if as_of is None:
        return None
    # The one reading of a time a user types (ledger.values): a date is that evening.
    parsed = parse_position_or_time(as_of, "as_of")
    return parsed if isinstance(parsed, int) else position_at(ledger, parsed)


def _params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidValueError(f"param {pair!r} is not NAME=VALUE")
        params[name.strip()] = value.strip()
    return params


@router.get(
    "/credits",
    responses={
        200: {
            "content": {
                "application/json": {},
                "text/plain": {},
                "text/markdown": {},
                "text/html": {},
            }
        }
    },
)
def credits(
    work: str,
    ledger: LedgerDep,
    lineage: LineageDep,
    services: ServicesDep,
    after: GraphAfter,
    policy: Annotated[
        str, Query(max_length=40, description="equal, decay, absolute, relative or flow.")
    ] = "decay",
    param: Annotated[
        list[Annotated[str, Query(max_length=100)]] | None,
        Query(max_length=10, description="NAME=VALUE, e.g. r=1/3."),
    ] = None,
    as_of: AsOfQuery = None,
    format: Literal["json", "text", "md", "html"] = "json",
) -> Any:
    """Who gets credit for a work and its ancestors, their exact shares, and attribution.

    Members who asked for no credit are listed as Anonymous, without their identity.
    """
    work_id = lineage.find_work(work)
    chosen = policy_from_name(policy, **_params(param or []))
    position = as_of_position(ledger, as_of)

    def answer() -> Response:
        with lineage.reading(
            after, services.settings.wait_seconds, holds=lambda graph: graph.has_work(work_id)
        ) as graph:
            if format == "md":
                return PlainTextResponse(
                    attribution_markdown(graph, work_id, as_of=position),
                    media_type="text/markdown",
                )
            if format == "html":
                return HTMLResponse(attribution_html(graph, work_id, as_of=position))
            if format == "text":
                result = credits_for(graph, work_id, chosen, as_of=position)
                text = result.as_text() + "\n\n" + attribution_text(graph, work_id, as_of=position)
                return PlainTextResponse(text)
            # Kept while the lineage does not change (``LiveLineage.remembered``), and kept
            # written: a long lineage's answer is mostly its explanations, slower to
            # write out (dict, then JSON) than to compute. Only the position is fresh.
            written = lineage.remembered(
                ("credits", work_id, str(chosen), position),
                lambda: _written_without_position(
                    credits_for(graph, work_id, chosen, as_of=position).as_dict(public=True)
                ),
            )
            current = graph.position if position is None else min(position, graph.position)
        return Response(b'{"position":%d,' % current + written[1:], media_type="application/json")

    # In a lineage worker, within the server's time budget (lineage.budget).
    return services.lineage_budget.run(answer)


def _written_without_position(data: dict[str, Any]) -> bytes:
    """The answer as JSON without its ``position``, which each answer puts first."""
    return orjson.dumps({key: value for key, value in data.items() if key != "position"})


@router.get(
    "/tree",
    responses={200: {"content": {media: {} for media in _TREE_MEDIA.values()}}},
)
def tree(
    work: str,
    ledger: LedgerDep,
    lineage: LineageDep,
    services: ServicesDep,
    after: GraphAfter,
    format: Literal["svg", "png", "dot", "json", "graphml"] = "svg",
    up: Annotated[int | None, Query(ge=0, le=1000)] = None,
    down: Annotated[int | None, Query(ge=0, le=1000)] = None,
    max_nodes: Annotated[int, Query(ge=1, le=MAX_TREE_NODES)] = 200,
    as_of: AsOfQuery = None,
) -> Response:
    """The work's remix family tree, nearest generations first, at most ``max_nodes`` works."""
    work_id = lineage.find_work(work)
    position = as_of_position(ledger, as_of)

    def select() -> FamilyTree:
        with lineage.reading(
            after, services.settings.wait_seconds, holds=lambda graph: graph.has_work(work_id)
        ) as graph:
            return family_tree(
                graph, work_id, up=up, down=down, max_nodes=max_nodes, as_of=position
            )

    selected = services.lineage_budget.run(select)
    link = "/api/works/{work_id}"
    if format in ("svg", "png"):
        content: bytes | str = render(selected, format, link=link)
    elif format == "dot":
        content = to_dot(selected, link=link)
    elif format == "json":
        content = to_json(selected)
    else:
        content = to_graphml(selected)
    return Response(content, media_type=_TREE_MEDIA[format])


@router.get("/provenance", responses={200: {"content": {"application/json": {}}}})
def provenance(
    work: str,
    ledger: LedgerDep,
    lineage: LineageDep,
    services: ServicesDep,
    after: GraphAfter,
    as_of: AsOfQuery = None,
) -> Response:
    """The work's lineage as a W3C PROV-JSON document."""
    work_id = lineage.find_work(work)
    position = as_of_position(ledger, as_of)

    def document_of() -> dict[str, Any]:
        with lineage.reading(
            after, services.settings.wait_seconds, holds=lambda graph: graph.has_work(work_id)
        ) as graph:
            return provenance_document(graph, work_id, as_of=position)

    document = services.lineage_budget.run(document_of)
    return Response(orjson.dumps(document), media_type="application/json")
