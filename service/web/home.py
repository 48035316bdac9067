"""The home page: the rankings, a search over titles, and the published productions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ledger.domain.errors import InvalidValueError
from lineage.graph import LineageGraph
from projections.ordering import RankBy, WorkFilter
from projections.queries import RankedWork
from service.web.deps import AsOf, ServicesDep
from service.web.errors import PageRoute
from service.web.people import credited_person
from service.web.templating import render_page

__all__ = ["RANKINGS", "router"]

router = APIRouter(route_class=PageRoute)

#: The home page's rankings: heading, order, filter.
RANKINGS: tuple[tuple[str, RankBy, WorkFilter], ...] = (
    ("Top", RankBy.wilson, WorkFilter()),
    ("Hot", RankBy.hot, WorkFilter()),
    ("Most remixed", RankBy.remixed, WorkFilter()),
    ("Newest", RankBy.newest, WorkFilter()),
    ("Never remixed", RankBy.newest, WorkFilter(never_remixed=True)),
)
RANKED_PER_LIST = 10
#: A search looks at this many works at most (newest first), as the API's listing does.
SEARCH_SCAN = 100_000
SEARCH_RESULTS = 50
#: Rankings as of a past position replay the log into memory: this far at most.
MAX_AS_OF_REPLAY = 200_000


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(
    request: Request,
    services: ServicesDep,
    as_of: AsOf,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    read_models = services.read_models
    if as_of is not None and MAX_AS_OF_REPLAY < as_of < read_models.projector.position:
        raise InvalidValueError(
            f"rankings as of position {as_of} would replay {as_of} events; pages replay at"
            f" most {MAX_AS_OF_REPLAY} (ask the command line: remix-ledger rankings --as-of)"
        )
    lists = [
        (heading, read_models.rankings(by, where, limit=RANKED_PER_LIST, as_of=as_of))
        for heading, by, where in RANKINGS
    ]
    needle = (q or "").strip()
    with services.lineage.reading(
        None,
        services.settings.wait_seconds,
        holds=lambda graph: all(
            graph.has_work(e.work.work_id) for _, ranked in lists for e in ranked
        ),
    ) as graph:
        rankings = [
            {"heading": heading, "works": [_ranked(graph, entry, as_of) for entry in ranked]}
            for heading, ranked in lists
        ]
        found = _search(graph, needle, as_of) if needle else None
        productions = _published(graph, as_of)
    return render_page(
        request,
        "home.html",
        title="Home",
        as_of=as_of,
        query=needle,
        found=found,
        rankings=rankings,
        productions=productions,
    )


def _ranked(graph: LineageGraph, entry: RankedWork, as_of: int | None) -> dict[str, Any]:
    row = entry.work
    return {
        "rank": entry.rank,
        "id": str(row.work_id),
        "title": row.title,
        "kind": row.kind,
        "authors": [credited_person(graph, author, as_of) for author in row.authors],
        "up": row.up,
        "down": row.down,
        "remixes": row.direct_remixes,
        "created_at": row.created_at,
    }


def _search(graph: LineageGraph, needle: str, as_of: int | None) -> list[dict[str, Any]]:
    """Works whose title holds ``needle`` (case ignored), newest first."""
    folded = needle.casefold()
    found: list[dict[str, Any]] = []
    last = len(graph) - 1
    for number in range(last, max(-1, last - SEARCH_SCAN), -1):
        if len(found) >= SEARCH_RESULTS:
            break
        if folded in graph.title_at(number).casefold():
            work_id = graph.work_id(number)
            if not graph.has_work(work_id, as_of):
                continue
            data = graph.work_at(number)
            found.append(
                {
                    "id": str(work_id),
                    "title": data["title"],
                    "kind": data["kind"],
                    "authors": [credited_person(graph, a, as_of) for a in data["authors"]],
                }
            )
    return found


def _published(graph: LineageGraph, as_of: int | None) -> list[dict[str, Any]]:
    shown = []
    for production_id in graph.production_ids:
        try:
            state = graph.production(production_id, as_of)
        except KeyError:
            continue
        if state.published_at is not None:
            shown.append(
                {
                    "id": str(production_id),
                    "title": state.title,
                    "published_at": state.published_at,
                    "works": len(state.work_ids),
                }
            )
    return shown
