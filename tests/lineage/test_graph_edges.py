"""The graph's citations go in through networkx's public API, sharing their data."""

from __future__ import annotations

import pickle
from typing import Any

import networkx as nx

from ledger import open_ledger
from lineage.graph import LineageGraph
from tests.conftest import Databases
from tests.lineage.test_snapshot import drawn


def test_citations_alike_share_one_data_dictionary(databases: Databases) -> None:
    """Memory: one data dictionary per distinct (relation, percentage), not one per edge."""
    ledger = open_ledger(databases.url("sqlite"))
    sketch = drawn(ledger)
    sketch.work("Poster", "dee", cites=[("Song", "5", "illustration"), "Picture"])
    sketch.work("Trailer", "dee", cites=["Film", "Poster"])
    graph = LineageGraph.from_ledger(ledger)
    edges = list(graph.graph.edges(data=True))
    shared = {id(data): data for _, _, data in edges}
    alike = {(data["relation"], data["royalty_percent"]) for _, _, data in edges}
    assert len(edges) == 7
    assert len(shared) == len(alike) == 2
    for source, derived, data in edges:
        assert graph.graph.pred[derived][source] is data
        cited = graph.citation(graph.work_id(source), graph.work_id(derived))
        assert cited == {**data, "position": graph.citation_position(source, derived)}


def test_a_late_citation_is_an_edge_and_clears_networkxs_cache(databases: Databases) -> None:
    """``__networkx_cache__`` (networkx 3.3 and later) holds what a backend derived from
    the graph; an edge added must empty it, as networkx's own ``add_edge`` does."""
    ledger = open_ledger(databases.url("sqlite"))
    sketch = drawn(ledger)
    graph = LineageGraph.from_ledger(ledger)
    cache: dict[str, Any] | None = getattr(graph.graph, "__networkx_cache__", None)
    if cache is not None:
        cache["derived from the old graph"] = True
    sketch.work("Draft", "dee")
    graph.catch_up(ledger)
    if cache is not None:
        cache["derived from the old graph"] = True
    sketch.cite("Draft", "Film")  # a work recorded earlier cites a source
    graph.catch_up(ledger)
    film, draft = graph.number(sketch.works["Film"]), graph.number(sketch.works["Draft"])
    assert graph.graph.has_edge(film, draft)
    assert graph.citation_position(film, draft) == ledger.head
    if cache is not None:
        assert "derived from the old graph" not in cache


def test_the_graph_copies_and_pickles_as_a_plain_digraph_would(databases: Databases) -> None:
    """Edges added outside ``LineageGraph`` (a copy, a user's own) get dictionaries of
    their own; nothing of the sharing is left on the graph to pickle."""
    ledger = open_ledger(databases.url("sqlite"))
    drawn(ledger)
    graph = LineageGraph.from_ledger(ledger).graph
    copy = graph.copy()
    assert sorted(copy.edges(data=True)) == sorted(graph.edges(data=True))
    copy.add_edge(2, 0, note="mine")  # Film -> Song: a new edge
    assert copy.edges[2, 0] == {"note": "mine"}
    copy.edges[0, 2]["note"] = "changed in the copy"  # Song -> Film: a copied one
    assert all("note" not in data for _, _, data in graph.edges(data=True))
    assert "_citation_data" not in vars(graph)
    loaded = pickle.loads(pickle.dumps(graph))
    assert nx.utils.edges_equal(loaded.edges(data=True), graph.edges(data=True))
