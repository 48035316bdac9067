"""The work page: the work, its sources and remixes, credits, attribution, family tree, history.

Everything about the lineage is read from the server's lineage graph (the one
the API's credits and tree answer from) under its lock, as of ``as_of`` when
asked; the history comes from the read models. Credits are shown under the
policy of the production that includes the work (a published one first), or
the one chosen in the page's form, a page of contributors at a time.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from ledger.domain.errors import UnknownWorkError
from lineage.attribution import attribution_text
from lineage.credits import Credit, credits_for
from lineage.family_tree import FamilyTree, family_tree
from lineage.graph import LineageGraph
from lineage.policies import POLICIES, RoyaltyPolicy, policy_from_name
from lineage.render import GraphvizMissingError
from lineage.royalties import policy_of
from service.web.deps import AsOf, ServicesDep
from service.web.errors import PageRoute
from service.web.history import history_section
from service.web.outline import lineage_outline
from service.web.people import credited_person
from service.web.templating import PAGE_HEADERS, render_page
from service.web.trees import inline_svg

__all__ = ["ATTRIBUTION_WORKS", "CREDITS_PER_PAGE", "TREE_NODES", "router"]

router = APIRouter(route_class=PageRoute)

#: Contributors listed per page of credits (a 10 000-generation lineage has thousands).
CREDITS_PER_PAGE = 100
#: The most works the page's family tree draws; the rest are summarised as "+N more".
TREE_NODES = 60
#: The attribution is shown on the page for lineages of at most this many works;
#: a longer one (a megabyte for 10 000 works) is a download of its own.
ATTRIBUTION_WORKS = 300
Generations = Annotated[int | None, Query(ge=0, le=1000)]


@router.get("/works/{work}", response_class=HTMLResponse, include_in_schema=False)
def work_page(
    request: Request,
    work: str,
    services: ServicesDep,
    as_of: AsOf,
    policy: Annotated[str | None, Query(max_length=40)] = None,
    up: Generations = None,
    down: Generations = None,
    credits_from: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    history_after: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> HTMLResponse:
    ledger = services.ledger
    work_id = ledger.find_work(work)
    link = "/works/{work_id}" + ("" if as_of is None else f"?as_of={as_of}")

    def lineage_part() -> tuple[RoyaltyPolicy, dict[str, Any], FamilyTree]:
        with services.lineage.reading(
            None, services.settings.wait_seconds, holds=lambda graph: graph.has_work(work_id)
        ) as graph:
            if not graph.has_work(work_id, as_of):
                raise UnknownWorkError(f"work {work!r} was not recorded yet at position {as_of}")
            production = _production_of(graph, work_id, as_of)
            chosen = (
                policy_from_name(policy)
                if policy
                else policy_of(production)
                if production is not None
                else policy_from_name("decay")
            )
            context = _lineage_context(graph, work_id, chosen, as_of, credits_from)
            tree = family_tree(graph, work_id, up=up, down=down, max_nodes=TREE_NODES, as_of=as_of)
            context["production"] = (
                None
                if production is None
                else {"id": str(production.production_id), "title": production.title}
            )
            return chosen, context, tree

    # In a lineage worker, within the server's time budget (lineage.budget).
    chosen, context, tree = services.lineage_budget.run(lineage_part)
    body = ledger.work(work_id).body
    try:
        tree_svg: str | None = inline_svg(tree, link=link)
    except GraphvizMissingError:
        # The picture is the one thing Graphviz gives: the page says so and shows the
        # same tree as nested links instead of failing as a whole.
        tree_svg = None
    outline_sources, outline_remixes = lineage_outline(tree)
    return render_page(
        request,
        "work.html",
        title=context["work"]["title"],
        body=body,
        as_of=as_of,
        policy_name=policy or "",
        policies=list(POLICIES),
        chosen_policy=str(chosen),
        up=up,
        down=down,
        tree_svg=tree_svg,
        outline_sources=outline_sources,
        outline_remixes=outline_remixes,
        tree_hidden=(tree.hidden_ancestors, tree.hidden_descendants),
        tree_count=len(tree.work_ids),
        history=history_section(services, work_id, history_after, as_of),
        **context,
    )


@router.get("/works/{work}/attribution.txt", include_in_schema=False)
def attribution_download(work: str, services: ServicesDep, as_of: AsOf) -> Response:
    """The attribution of the work and its whole lineage, as plain text."""
    work_id = services.ledger.find_work(work)
    with services.lineage.reading(
        None, services.settings.wait_seconds, holds=lambda graph: graph.has_work(work_id)
    ) as graph:
        if not graph.has_work(work_id, as_of):
            raise UnknownWorkError(f"work {work!r} was not recorded yet at position {as_of}")
        text = attribution_text(graph, work_id, as_of=as_of)
    return PlainTextResponse(text + "\n", headers=PAGE_HEADERS)


def _production_of(graph: LineageGraph, work_id: UUID, as_of: int | None) -> Any:
    """The production whose policy credits the work: a published one first."""
    found = []
    for production_id in graph.production_ids:
        try:
            state = graph.production(production_id, as_of)
        except KeyError:  # created after as_of
            continue
        if work_id in state.work_ids:
            found.append(state)
    found.sort(key=lambda state: (state.published_at is None, state.position))
    return found[0] if found else None


def _lineage_context(
    graph: LineageGraph, work_id: UUID, policy: RoyaltyPolicy, as_of: int | None, start: int
) -> dict[str, Any]:
    node = graph.work(work_id)

    def titled(other: UUID) -> dict[str, Any]:
        number = graph.number(other)
        return {
            "id": str(other),
            "title": graph.title_at(number),
            "external_id": graph.external_id_at(number),
        }

    sources = [
        {**titled(source), **_citation(graph, source, work_id)}
        for source in graph.sources_of(work_id, as_of)
    ]
    remixes = [
        {**titled(derived), **_citation(graph, work_id, derived)}
        for derived in graph.derived_of(work_id, as_of)
    ]
    credits = credits_for(graph, work_id, policy, as_of=as_of)
    shown = credits.credits[start : start + CREDITS_PER_PAGE]
    lineage_works = 1 + len(graph.ancestor_numbers(work_id, as_of=as_of))
    return {
        "work": {
            "id": str(work_id),
            "title": node["title"],
            "kind": node["kind"],
            "external_id": node["external_id"],
            "license": node["license"],
            "uri": node["uri"],
            "created_at": node["created_at"],
            "retracted": graph.is_retracted(work_id, as_of),
            "authors": [credited_person(graph, author, as_of) for author in node["authors"]],
        },
        "sources": sorted(sources, key=lambda item: item["title"]),
        "remixes": sorted(remixes, key=lambda item: item["title"]),
        "credits": [_credit_row(graph, credit) for credit in shown],
        "credits_total": len(credits),
        "credits_from": start,
        "credits_per_page": CREDITS_PER_PAGE,
        "position": credits.position,
        "attribution": attribution_text(graph, work_id, as_of=as_of)
        if lineage_works <= ATTRIBUTION_WORKS
        else None,
        "lineage_works": lineage_works,
    }


def _citation(graph: LineageGraph, source: UUID, derived: UUID) -> dict[str, Any]:
    data = graph.citation(source, derived)
    percent = data.get("royalty_percent")
    return {
        "relation": data["relation"],
        "royalty_percent": None if percent is None else format(percent.normalize(), "f"),
    }


def _credit_row(graph: LineageGraph, credit: Credit) -> dict[str, Any]:
    explanation = credit.explanation

    def title(work: UUID) -> str:
        return graph.title_at(graph.number(work))

    return {
        "name": credit.display_name,
        # A member who asked for no credit is not linked: the page must not name them.
        "member": None if credit.credited_as is None else credit.handle,
        "distance": credit.distance,
        "works": [{"id": str(w.work_id), "title": w.title} for w in credit.works],
        "relations": list(credit.relations),
        "percent": credit.percent,
        "fraction": _fraction_text(credit),
        "terms": list(explanation.terms),
        "paths": [[title(work) for work in path] for path in explanation.paths],
        "path_count": explanation.path_count,
    }


def _fraction_text(credit: Credit) -> str:
    share = credit.share
    text = f"{share.numerator}/{share.denominator}"
    # A share far up a long chain has thousands of digits: the percent says enough.
    return text if len(text) <= 40 else f"{len(str(share.denominator))}-digit fraction"
