"""The ancestry of one work: the work and everything it descends from, ready to compute on.

Credits and every royalty policy walk the same sub-DAG: a work W and all its
ancestors as of one position, in an order where each work comes after every work
built on it (so a single pass from W towards the originals sees each work's
inflow complete), with each work's sources and derived works inside the
ancestry, the generation distances, and the number of paths from W.

Everything is deterministic: works are ordered by the position at which they were
recorded, then by id, never by set or hash order. Retracted works are kept:
retraction hides a work from rankings, not from the credits of what was built on it.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from fractions import Fraction
from functools import cached_property
from typing import Any
from uuid import UUID

import networkx as nx

from ledger.errors import UnknownWorkError
from lineage.graph import LineageGraph

__all__ = ["MAX_EXPLAINED_PATHS", "Ancestry", "Path"]

#: At most this many paths are listed in one explanation; the count is always exact.
MAX_EXPLAINED_PATHS = 12

#: A path from the published work back to one of its ancestors: ``(W, ..., A)``.
Path = tuple[UUID, ...]


class Ancestry:
    """A work W and its ancestors as of ``as_of`` (the whole log when None).

    Parameters
    ----------
    lineage : LineageGraph
        The graph to read.
    work_id : UUID
        The work W; ``UnknownWorkError`` if it is not in the graph at ``as_of``.
    as_of : int or None
        A log position; works and citations recorded later are not seen.
    """

    def __init__(self, lineage: LineageGraph, work_id: UUID, as_of: int | None = None) -> None:
        self.lineage = lineage
        self.seed = work_id
        self.as_of = as_of
        self.position = lineage.position if as_of is None else min(as_of, lineage.position)
        self.graph: nx.DiGraph[UUID] = lineage.view(as_of)
        try:
            ancestors = lineage.ancestors(work_id, as_of=as_of)
        except KeyError:
            when = "" if as_of is None else f" as of position {as_of}"
            raise UnknownWorkError(f"no work has id {work_id}{when}") from None
        self.distance: dict[UUID, int] = {work_id: 0, **ancestors}
        inside = self.distance
        pred, succ = self.graph.pred, self.graph.succ
        # Plain dictionaries, not subgraph views: this runs for every credits and
        # royalty question, and views cost a filter call per adjacency step.
        keys = {work: self.sort_key(work) for work in inside}
        self.sources: dict[UUID, tuple[UUID, ...]] = {
            work: tuple(sorted((s for s in pred[work] if s in inside), key=keys.__getitem__))
            for work in inside
        }
        self.derived: dict[UUID, tuple[UUID, ...]] = {
            work: tuple(sorted((d for d in succ[work] if d in inside), key=keys.__getitem__))
            for work in inside
        }
        self.order: tuple[UUID, ...] = _seed_first_order(work_id, self.sources, self.derived, keys)

    def sort_key(self, work_id: UUID) -> tuple[int, str]:
        """Works in the order they were recorded, then by id."""
        return (self.graph.nodes[work_id]["position"], str(work_id))

    # ------------------------------------------------------------ attributes

    def node(self, work_id: UUID) -> Mapping[str, Any]:
        return self.graph.nodes[work_id]

    def title(self, work_id: UUID) -> str:
        return str(self.graph.nodes[work_id]["title"])

    def authors(self, work_id: UUID) -> tuple[UUID, ...]:
        return tuple(self.graph.nodes[work_id]["authors"])

    def relation(self, source: UUID, derived: UUID) -> str:
        return str(self.graph.edges[source, derived]["relation"])

    def percent(self, source: UUID, derived: UUID) -> Fraction:
        """The royalty share declared on a citation, as a fraction (a missing one is 0)."""
        declared = self.graph.edges[source, derived]["royalty_percent"]
        return Fraction(0) if declared is None else Fraction(declared) / 100

    def is_retracted(self, work_id: UUID) -> bool:
        return self.lineage.is_retracted(work_id, self.as_of)

    @cached_property
    def contributors(self) -> tuple[UUID, ...]:
        """Every distinct author in the ancestry, in order of first appearance from W."""
        seen = dict.fromkeys(author for work in self.order for author in self.authors(work))
        return tuple(seen)

    @cached_property
    def works_by(self) -> dict[UUID, tuple[UUID, ...]]:
        """For each contributor, the works of the ancestry they are an author of."""
        made: dict[UUID, list[UUID]] = {member: [] for member in self.contributors}
        for work in self.order:
            for author in self.authors(work):
                made[author].append(work)
        return {member: tuple(works) for member, works in made.items()}

    # ------------------------------------------------------------------ paths

    @cached_property
    def path_counts(self) -> dict[UUID, int]:
        """How many distinct paths lead from W back to each work (1 for W itself)."""
        counts = dict.fromkeys(self.order, 0)
        counts[self.seed] = 1
        for work in self.order:
            for source in self.sources[work]:
                counts[source] += counts[work]
        return counts

    @cached_property
    def relations_to_seed(self) -> dict[UUID, frozenset[str]]:
        """For each work, the relations on every citation along its paths to W."""
        found: dict[UUID, frozenset[str]] = {}
        for work in self.order:
            found[work] = frozenset().union(
                *({self.relation(work, built)} | found[built] for built in self.derived[work])
            )
        return found

    @cached_property
    def _onward(self) -> dict[UUID, tuple[UUID, ...]]:
        # For each work, the works built on it, nearest to W first.
        return {
            work: tuple(sorted(built, key=lambda w: (self.distance[w], self.sort_key(w))))
            for work, built in self.derived.items()
        }

    def paths(self, target: UUID, limit: int = MAX_EXPLAINED_PATHS) -> tuple[Path, ...]:
        """Up to ``limit`` paths ``(W, ..., target)``; the first is a shortest one."""
        # Walk down from the target: every work here leads to W, so no step is
        # wasted, and taking the works nearest W first makes the first path a
        # shortest one. Each stack entry links to the one it came from, so a
        # path is only spelled out (once, in its length) when it reaches W.
        found: list[Path] = []
        onward = self._onward
        stack: list[tuple[UUID, Any]] = [(target, None)]
        while stack and len(found) < limit:
            entry = stack.pop()
            if entry[0] == self.seed:
                path: list[UUID] = []
                link: Any = entry
                while link is not None:
                    path.append(link[0])
                    link = link[1]
                found.append(tuple(path))
                continue
            stack.extend((built, entry) for built in reversed(onward[entry[0]]))
        return tuple(found)

    def describe_path(self, path: Path) -> str:
        """A path in words: ``"W" <- "B" <- "A"`` (each work built on the next)."""
        return " <- ".join(f'"{self.title(work)}"' for work in path)


def _seed_first_order(
    seed: UUID,
    sources: Mapping[UUID, tuple[UUID, ...]],
    derived: Mapping[UUID, tuple[UUID, ...]],
    keys: Mapping[UUID, tuple[int, str]],
) -> tuple[UUID, ...]:
    """Each work after every work built on it; among the ready ones, the smallest key first.

    Kahn's algorithm with a heap: the same order as networkx's
    ``lexicographical_topological_sort`` of the reversed ancestry.
    """
    waiting = {work: len(built) for work, built in derived.items()}
    ready = [(keys[seed], seed)]
    order: list[UUID] = []
    while ready:
        _, work = heapq.heappop(ready)
        order.append(work)
        for source in sources[work]:
            waiting[source] -= 1
            if waiting[source] == 0:
                heapq.heappush(ready, (keys[source], source))
    return tuple(order)
