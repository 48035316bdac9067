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
from collections.abc import Callable, Mapping
from decimal import Decimal
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

    Besides the id-keyed views (``order``, ``sources``, ``derived``, ``distance``),
    the ancestry numbers its works 0, 1, ... in ``order`` (W is 0) and keeps
    per-number lists (``source_index``, ``derived_index``, ``author_lists``, ...):
    the policies run on those, since hashing a UUID costs a Python call and a
    10 000-work lineage is walked several times per question.
    """

    def __init__(self, lineage: LineageGraph, work_id: UUID, as_of: int | None = None) -> None:
        self.lineage = lineage
        self.seed = work_id
        self.as_of = as_of
        self.position = lineage.position if as_of is None else min(as_of, lineage.position)
        #: The lineage graph (nodes are the graph's work numbers) as of ``as_of``.
        self.graph: nx.DiGraph[int] = lineage.view(as_of)
        if not lineage.has_work(work_id, as_of):
            when = "" if as_of is None else f" as of position {as_of}"
            raise UnknownWorkError(f"no work has id {work_id}{when}")
        start = lineage.number(work_id)
        # One breadth-first walk up the sources gives both the distances (the
        # first time a work is met is by a shortest path) and every citation
        # inside the ancestry: all sources of an ancestor are ancestors too.
        # The raw adjacency (a filtered one for a past view): networkx's public
        # views cost a wrapper call per step.
        raw: Any = self.graph
        pred = raw._pred
        distance = {start: 0}
        cited: dict[int, list[tuple[int, dict[str, Any]]]] = {}
        waiting: dict[int, int] = {start: 0}  # works built on each, inside the ancestry
        frontier = [start]
        level = 0
        # A work's position is unique (one event records it), so ordering by
        # position alone is the same as by (position, id).
        position_at = lineage.position_at
        while frontier:
            level += 1
            following: list[int] = []
            for work in frontier:
                found = list(pred[work].items())
                if len(found) > 1:
                    found.sort(key=lambda item: position_at(item[0]))
                cited[work] = found
                for source, _ in found:
                    if source in distance:
                        waiting[source] += 1
                    else:
                        distance[source] = level
                        waiting[source] = 1
                        following.append(source)
            frontier = following
        numbers = _seed_first_order(start, cited, waiting, position_at)
        #: The graph's node numbers of the works, in ``order``.
        self.numbers: tuple[int, ...] = numbers
        index = {work: number for number, work in enumerate(numbers)}
        #: Per number: the sources' numbers (by position), and the relation and
        #: declared royalty percentage (Decimal or None) of each citation.
        self.source_index: list[tuple[int, ...]] = []
        self.source_relations: list[tuple[str, ...]] = []
        self.source_percents: list[tuple[Decimal | None, ...]] = []
        for work in numbers:
            found = cited[work]
            if len(found) == 1:  # most works: one source, or none
                (source, data), *_ = found
                self.source_index.append((index[source],))
                self.source_relations.append((data["relation"],))
                self.source_percents.append((data["royalty_percent"],))
            else:
                self.source_index.append(tuple([index[s] for s, _ in found]))
                self.source_relations.append(tuple([data["relation"] for _, data in found]))
                self.source_percents.append(tuple([data["royalty_percent"] for _, data in found]))
        #: Per number: the authors' member numbers, and the distance to W.
        self.author_numbers: list[tuple[int, ...]] = list(map(lineage.author_numbers_at, numbers))
        self.distances: list[int] = [distance[work] for work in numbers]

    @cached_property
    def titles(self) -> list[str]:
        """Per number: the work's title."""
        return list(map(self.lineage.title_at, self.numbers))

    @cached_property
    def positions(self) -> list[int]:
        """Per number: the position at which the work was recorded."""
        return list(map(self.lineage.position_at, self.numbers))

    @cached_property
    def derived_index(self) -> list[tuple[int, ...]]:
        """Per number: the numbers of the works built on it inside the ancestry (by position)."""
        built: list[list[int]] = [[] for _ in self.numbers]
        for number, sources in enumerate(self.source_index):
            for source in sources:
                built[source].append(number)
        positions = self.positions
        return [
            tuple(found if len(found) < 2 else sorted(found, key=positions.__getitem__))
            for found in built
        ]

    @cached_property
    def order(self) -> tuple[UUID, ...]:
        """W, then its ancestors, each after every work built on it (earliest recorded first)."""
        work_id = self.lineage.work_id
        return tuple(work_id(work) for work in self.numbers)

    @cached_property
    def index(self) -> dict[UUID, int]:
        """Each work's number in ``order``."""
        return {work: number for number, work in enumerate(self.order)}

    @cached_property
    def distance(self) -> dict[UUID, int]:
        """Each work's shortest generation distance to W (0 for W)."""
        return dict(zip(self.order, self.distances, strict=True))

    def sort_key(self, work_id: UUID) -> tuple[int, str]:
        """Works in the order they were recorded, then by id."""
        return (self.positions[self.index[work_id]], str(work_id))

    @cached_property
    def sources(self) -> dict[UUID, tuple[UUID, ...]]:
        """Each work's sources inside the ancestry, in the order they were recorded."""
        order = self.order
        return {work: tuple(order[s] for s in self.source_index[n]) for n, work in enumerate(order)}

    @cached_property
    def derived(self) -> dict[UUID, tuple[UUID, ...]]:
        """Each work's derived works inside the ancestry, in the order they were recorded."""
        order = self.order
        return {
            work: tuple(order[d] for d in self.derived_index[n]) for n, work in enumerate(order)
        }

    # ------------------------------------------------------------ attributes

    def node(self, work_id: UUID) -> Mapping[str, Any]:
        """The work's facts, as ``LineageGraph.work`` gives them."""
        return self.lineage.work(work_id)

    def title(self, work_id: UUID) -> str:
        if work_id == self.seed:
            return self.lineage.title_at(self.numbers[0])
        return self.titles[self.index[work_id]]

    def authors(self, work_id: UUID) -> tuple[UUID, ...]:
        return self.author_lists[self.index[work_id]]

    def relation(self, source: UUID, derived: UUID) -> str:
        n = self.index[derived]
        return self.source_relations[n][self.source_index[n].index(self.index[source])]

    def percent(self, source: UUID, derived: UUID) -> Fraction:
        """The royalty share declared on a citation, as a fraction (a missing one is 0)."""
        n = self.index[derived]
        declared = self.source_percents[n][self.source_index[n].index(self.index[source])]
        return Fraction(0) if declared is None else Fraction(declared) / 100

    def is_retracted(self, work_id: UUID) -> bool:
        return self.lineage.is_retracted(work_id, self.as_of)

    def retracted_at(self, number: int) -> bool:
        """``is_retracted`` by number in ``order``."""
        return self.lineage.retracted_at(self.numbers[number], self.as_of)

    def external_id_at(self, number: int) -> str | None:
        return self.lineage.external_id_at(self.numbers[number])

    @cached_property
    def author_lists(self) -> list[tuple[UUID, ...]]:
        """Per number: the authors' member ids."""
        member_id = self.lineage.member_id
        return [tuple(member_id(m) for m in authors) for authors in self.author_numbers]

    @cached_property
    def member_works(self) -> dict[int, list[int]]:
        """For each contributor (by member number, in order of first appearance from W),
        the numbers of the works of the ancestry they are an author of."""
        made: dict[int, list[int]] = {}
        for number, authors in enumerate(self.author_numbers):
            for author in authors:
                if author in made:
                    made[author].append(number)
                else:
                    made[author] = [number]
        return made

    @cached_property
    def contributors(self) -> tuple[UUID, ...]:
        """Every distinct author in the ancestry, in order of first appearance from W."""
        member_id = self.lineage.member_id
        return tuple(member_id(m) for m in self.member_works)

    @cached_property
    def works_made(self) -> dict[UUID, list[int]]:
        """For each contributor, the numbers of the works of the ancestry they are an author of."""
        member_id = self.lineage.member_id
        return {member_id(m): works for m, works in self.member_works.items()}

    @cached_property
    def works_by(self) -> dict[UUID, tuple[UUID, ...]]:
        """For each contributor, the works of the ancestry they are an author of."""
        order = self.order
        return {
            member: tuple(order[n] for n in numbers) for member, numbers in self.works_made.items()
        }

    # ------------------------------------------------------------------ paths

    @cached_property
    def path_count_list(self) -> list[int]:
        """Per number: how many distinct paths lead from W back to the work (1 for W)."""
        counts = [0] * len(self.order)
        counts[0] = 1
        for number, sources in enumerate(self.source_index):
            here = counts[number]
            for source in sources:
                counts[source] += here
        return counts

    @cached_property
    def path_counts(self) -> dict[UUID, int]:
        """How many distinct paths lead from W back to each work (1 for W itself)."""
        return dict(zip(self.order, self.path_count_list, strict=True))

    @cached_property
    def relation_sets(self) -> list[tuple[str, ...]]:
        """Per number: the relations on every citation along its paths to W, sorted."""
        # Relations as bits of a small integer: one OR per citation instead of a set union.
        bits: dict[str, int] = {}
        masks = [0] * len(self.order)
        for number, sources in enumerate(self.source_index):
            mask = masks[number]
            for source, relation in zip(sources, self.source_relations[number], strict=True):
                bit = bits.get(relation)
                if bit is None:
                    bit = bits[relation] = 1 << len(bits)
                masks[source] |= mask | bit
        names = {bit: relation for relation, bit in bits.items()}
        spelled: dict[int, tuple[str, ...]] = {}
        found: list[tuple[str, ...]] = []
        for mask in masks:
            if mask not in spelled:
                spelled[mask] = tuple(sorted(n for b, n in names.items() if mask & b))
            found.append(spelled[mask])
        return found

    @cached_property
    def relations_to_seed(self) -> dict[UUID, frozenset[str]]:
        """For each work, the relations on every citation along its paths to W."""
        return {
            work: frozenset(relations)
            for work, relations in zip(self.order, self.relation_sets, strict=True)
        }

    @cached_property
    def _onward(self) -> dict[UUID, tuple[UUID, ...]]:
        # For each work, the works built on it, nearest to W first.
        return {
            work: tuple(
                sorted(built, key=lambda w: (self.distance[w], self.positions[self.index[w]]))
            )
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
    seed: int,
    cited: Mapping[int, list[tuple[int, Any]]],
    waiting: dict[int, int],
    position_at: Callable[[int], int],
) -> tuple[int, ...]:
    """Each work after every work built on it; among the ready ones, the earliest recorded first.

    Kahn's algorithm with a heap: the same order as networkx's
    ``lexicographical_topological_sort`` of the reversed ancestry keyed by
    (position, id), positions being unique. ``waiting`` (how many works inside
    the ancestry are built on each) is used up.
    """
    ready = [(position_at(seed), seed)]
    order: list[int] = []
    while ready:
        _, work = heapq.heappop(ready)
        order.append(work)
        for source, _ in cited[work]:
            waiting[source] -= 1
            if waiting[source] == 0:
                heapq.heappush(ready, (position_at(source), source))
    return tuple(order)
