"""The numbered lineage graph answers as the UUID-keyed networkx graph it replaced.

``LineageGraph`` keeps works as dense integer nodes with their facts in
columns. Here a plain ``networkx.DiGraph`` keyed by work id, with the facts as
node and edge attributes (how the graph used to be kept), is built from the
same log, and every question is asked of both, at every position of the log.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.application.log import iter_events
from ledger.domain.work import Work
from lineage.graph import LineageGraph
from tests.lineage.dags import LineageSpec, built, lineage_specs


def reference_graph(events: list[tuple[int, Any]]) -> nx.DiGraph[UUID]:
    """The work graph as it was kept before: UUID nodes, facts as attributes."""
    graph: nx.DiGraph[UUID] = nx.DiGraph()

    def cite(citation: Any, derived: UUID, position: int) -> None:
        graph.add_edge(
            citation.work_id,
            derived,
            relation=citation.relation.value,
            royalty_percent=citation.royalty_percent,
            position=position,
        )

    for position, event in events:
        match event:
            case Work.Contributed():
                graph.add_node(
                    event.originator_id,
                    title=event.title,
                    kind=event.kind,
                    authors=tuple(event.authors),
                    created_at=event.occurred_at,
                    external_id=event.external_id,
                    license=event.license,
                    uri=event.uri,
                    position=position,
                    retracted_at=None,
                )
                for citation in getattr(event, "sources", ()):
                    cite(citation, event.originator_id, position)
            case Work.SourceCited():
                cite(event.citation, event.originator_id, position)
            case Work.Retracted():
                graph.nodes[event.originator_id]["retracted_at"] = position
    return graph


def reference_view(graph: nx.DiGraph[UUID], as_of: int) -> nx.DiGraph[UUID]:
    nodes = [n for n, data in graph.nodes(data=True) if data["position"] <= as_of]
    view: nx.DiGraph[UUID] = nx.DiGraph()
    view.add_nodes_from(nodes)
    view.add_edges_from(
        (u, v) for u, v, data in graph.edges(data=True) if data["position"] <= as_of
    )
    return view


@settings(max_examples=40, deadline=None)
@given(spec=lineage_specs(), retract=st.lists(st.integers(0, 8), max_size=2, unique=True))
def test_every_question_matches_the_uuid_graph(spec: LineageSpec, retract: list[int]) -> None:
    with built(spec) as made:
        for index in retract:
            if index < len(made.works):
                made.ledger.retract_work(made.works[index])
        events = list(iter_events(made.ledger))
        lineage = made.lineage()
    old = reference_graph(events)
    assert len(lineage) == old.number_of_nodes()
    assert_codes_match_columns(lineage)
    assert lineage.graph.number_of_edges() == old.number_of_edges()
    for work in made.works:
        node = dict(old.nodes[work])
        assert lineage.work(work) == node
        for source in old.predecessors(work):
            assert lineage.citation(source, work) == old.edges[source, work]
    positions = sorted({position for position, _ in events})
    for as_of in [None, *positions]:
        past = old if as_of is None else reference_view(old, as_of)
        for work in made.works:
            assert lineage.has_work(work, as_of) == (work in past)
            if work not in past:
                continue
            ancestors = {a for a in nx.ancestors(past, work)}
            descendants = {d for d in nx.descendants(past, work)}
            found_up = lineage.ancestors(work, as_of=as_of)
            assert set(found_up) == ancestors
            assert set(lineage.descendants(work, as_of=as_of)) == descendants
            for ancestor, distance in found_up.items():
                assert distance == nx.shortest_path_length(past, ancestor, work)
            roots = [a for a in ancestors if past.in_degree(a) == 0]
            assert lineage.roots(work, as_of=as_of) == sorted(
                roots, key=lambda a: old.nodes[a]["position"]
            )
            assert sorted(lineage.sources_of(work, as_of), key=str) == sorted(
                past.predecessors(work), key=str
            )
            retracted = old.nodes[work]["retracted_at"]
            assert lineage.is_retracted(work, as_of) == (
                retracted is not None and (as_of is None or retracted <= as_of)
            )


def assert_codes_match_columns(lineage: LineageGraph) -> None:
    """The compact citation codes say what the source columns say, work by work."""
    codes = lineage.citation_codes_as_of(None)
    assert codes is not None
    column, table = codes
    sources, data = lineage.source_columns()
    assert len(column) == 2 * len(sources)
    for number, (found, cited) in enumerate(zip(sources, data, strict=True)):
        single = column[2 * number]
        if isinstance(found, int):
            assert single == found
            assert table[column[2 * number + 1]] is cited
        else:
            assert single == (-1 if found == () else -2)
