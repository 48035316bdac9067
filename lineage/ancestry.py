"""The ancestry of one work: the work and everything it descends from, ready to compute on.

Credits and every royalty policy walk the same sub-DAG: a work W and all its
ancestors as of one position, in an order where each work comes after every work
built on it (so a single pass from W towards the originals sees each work's
inflow complete), with each work's sources and derived works inside the
ancestry, the generation distances, and the number of paths from W.

Everything is deterministic: works are ordered by the position at which they were
recorded (positions are unique), never by set or hash order. Retracted works are kept:
retraction hides a work from rankings, not from the credits of what was built on it.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any
from uuid import UUID

from ledger.domain.errors import UnknownWorkError
from lineage.graph import LineageGraph
from lineage.kernels import (
    ancestry_columns,
    group_by_author,
    localize,
    plain,
    relation_masks,
    take,
    walk_sources,
)

__all__ = ["MAX_EXPLAINED_PATHS", "MAX_EXPLAINED_PATH_WORKS", "Ancestry", "Path"]

#: At most this many paths are listed in one explanation; the count is always exact.
MAX_EXPLAINED_PATHS = 12
#: A path of more works is counted but not listed. Listing every path of a deep
#: lineage in full is quadratic: credits for a work at the end of a 10 000-work
#: chain would list paths of thousands of works for each of thousands of
#: contributors (gigabytes of JSON). The works' distances and relations still
#: say how far, and how, each contribution reached the published work.
MAX_EXPLAINED_PATH_WORKS = 64

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
        if not lineage.has_work(work_id, as_of):
            when = "" if as_of is None else f" as of position {as_of}"
            raise UnknownWorkError(f"no work has id {work_id}{when}")
        start = lineage.number(work_id)
        # The graph's flat source columns (see ``LineageGraph.source_columns``):
        # a list index per step instead of networkx's dict of dicts; and, where
        # they say the same, their compact codes (``citation_codes_as_of``).
        every_source, every_datum = lineage.source_columns_as_of(as_of)
        # One breadth-first walk up the sources gives the distances (the first
        # time a work is met is by a shortest path); every source of an ancestor
        # is an ancestor too. Work numbers follow the order in which works were
        # recorded, so when every citation points to an earlier work, the latest
        # recorded first is an order where each work comes before its sources.
        codes = lineage.citation_codes_as_of(as_of) or (None, None)
        columns = ancestry_columns(every_source, every_datum, start, *codes)
        #: Whether ``order`` is simply from the latest recorded work to the earliest.
        self.latest_first = columns is not None
        # Per number: the citations' data (a bare dict for a single source).
        self._source_data: Sequence[Any]
        numbers: tuple[int, ...]
        distances: Sequence[int]
        source_index: Sequence[tuple[int, ...]]
        if columns is not None:
            numbers, distances, source_index, self._source_data = columns
        else:  # a late citation of a later work: a topological order by heap
            distance, _ = walk_sources(every_source, start)
            numbers = _seed_first_order(start, every_source, distance)
            source_index, self._source_data = localize(numbers, every_source, every_datum)
            distances = take(distance, numbers)
        #: The graph's node numbers of the works, in ``order``.
        self.numbers = numbers
        # Relation names as bits (see ``relation_masks``), and masks spelled out.
        self._relation_bits: dict[str, int] = {}
        self._spelled: dict[int, tuple[str, ...]] = {}
        #: Per number: the sources' numbers (in the order they were recorded).
        #: Columns of plain values are kept as untracked tuples (see ``plain``).
        self.source_index: Sequence[tuple[int, ...]] = plain(source_index)
        # Per number: the author's member number, or a tuple of them for a work
        # with several (most have one: a bare int, no tuple to build).
        self._authors = plain(lineage.raw_authors_of(numbers))
        #: Whether every work of the ancestry has a single author.
        self.single_authored = tuple not in set(map(type, self._authors))
        #: Per number: the distance to W.
        self.distances: Sequence[int] = plain(distances)

    @cached_property
    def source_relations(self) -> list[tuple[str, ...]]:
        """Per number: the relation of each citation, in ``source_index`` order."""
        return self._citation_column("relation")

    @cached_property
    def source_percents(self) -> list[tuple[Decimal | None, ...]]:
        """Per number: the declared royalty percentage (or None) of each citation."""
        return self._citation_column("royalty_percent")

    def _citation_column(self, key: str) -> list[tuple[Any, ...]]:
        column: list[tuple[Any, ...]] = []
        for data in self._source_data:
            if data is None:
                column.append(())
            elif data.__class__ is dict:
                column.append((data[key],))
            else:
                column.append(tuple([datum[key] for datum in data]))
        return column

    @cached_property
    def author_numbers(self) -> list[tuple[int, ...]]:
        """Per number: the authors' member numbers."""
        return list(map(self.lineage.author_numbers_at, self.numbers))

    @cached_property
    def titles(self) -> Sequence[str]:
        """Per number: the work's title."""
        return plain(self.lineage.titles_of(self.numbers))

    @cached_property
    def positions(self) -> list[int]:
        """Per number: the position at which the work was recorded."""
        return self.lineage.positions_of(self.numbers)

    @cached_property
    def nearest_first(self) -> tuple[Sequence[int], bool]:
        """How to sort works nearest to W first, then earliest recorded: a key per
        number, and whether ties on it go to the later number (``gather_sorted``'s
        ``later_first``). In recording order (``latest_first``) the distances are
        the key and the later number is the earlier recorded; otherwise each key
        folds in the work's rank by recording."""
        if self.latest_first:
            return self.distances, True
        count = len(self.numbers)
        # Rank by graph number, which follows the order of recording.
        ranks = [0] * count
        for rank, number in enumerate(sorted(range(count), key=self.numbers.__getitem__)):
            ranks[number] = rank
        keys = [
            distance * count + rank for distance, rank in zip(self.distances, ranks, strict=True)
        ]
        return keys, False

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
        """W, then its ancestors, each after every work built on it (latest recorded first)."""
        return tuple(self.lineage.work_ids_of(self.numbers))

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
    def member_works(self) -> dict[int, tuple[int, ...]]:
        """For each contributor (by member number, in order of first appearance from W),
        the numbers of the works of the ancestry they are an author of."""
        return group_by_author(self._authors)

    @cached_property
    def contributors(self) -> tuple[UUID, ...]:
        """Every distinct author in the ancestry, in order of first appearance from W."""
        member_id = self.lineage.member_id
        return tuple(member_id(m) for m in self.member_works)

    @cached_property
    def works_made(self) -> dict[UUID, tuple[int, ...]]:
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
    def relation_masks(self) -> Sequence[int]:
        """Per number: the relations on every citation along its paths to W, as bits.

        ``spell_relations`` turns a mask (or the OR of several) into names. A bit
        per relation makes the union one OR per citation instead of a set union.
        """
        return plain(relation_masks(self.source_index, self._source_data, self._relation_bits))

    def spell_relations(self, mask: int) -> tuple[str, ...]:
        """The relation names of a mask from ``relation_masks``, sorted."""
        spelled = self._spelled.get(mask)
        if spelled is None:
            names = self._relation_bits.items()
            spelled = self._spelled[mask] = tuple(sorted(n for n, b in names if mask & b))
        return spelled

    @cached_property
    def relation_sets(self) -> list[tuple[str, ...]]:
        """Per number: the relations on every citation along its paths to W, sorted."""
        masks = self.relation_masks
        spelled = {mask: self.spell_relations(mask) for mask in set(masks)}
        return list(map(spelled.__getitem__, masks))

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

    def paths(
        self,
        target: UUID,
        limit: int = MAX_EXPLAINED_PATHS,
        longest: int = MAX_EXPLAINED_PATH_WORKS,
    ) -> tuple[Path, ...]:
        """Up to ``limit`` paths ``(W, ..., target)`` of at most ``longest`` works each;
        the first is a shortest one, the rest follow in the walk's order, nearest to W
        first at each step (none when even the shortest is longer than ``longest``)."""
        # Walk down from the target: every work here leads to W, so no step is
        # wasted, and taking the works nearest W first makes the first path a
        # shortest one. A work whose distance to W would make the path too long
        # is not entered. Each stack entry links to the one it came from (and
        # counts the works so far), so a path is only spelled out when it reaches W.
        found: list[Path] = []
        onward, distance = self._onward, self.distance
        stack: list[tuple[UUID, Any, int]] = []
        if distance[target] < longest:
            stack.append((target, None, 1))
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
            works = entry[2] + 1
            stack.extend(
                (built, entry, works)
                for built in reversed(onward[entry[0]])
                if works + distance[built] <= longest
            )
        return tuple(found)

    def describe_path(self, path: Path) -> str:
        """A path in words: ``"W" <- "B" <- "A"`` (each work built on the next)."""
        return " <- ".join(f'"{self.title(work)}"' for work in path)


def _seed_first_order(
    seed: int, sources: Sequence[int | tuple[int, ...]], ancestry: Mapping[int, int]
) -> tuple[int, ...]:
    """Each work of ``ancestry`` after every work built on it; among the ready ones,
    the latest recorded first.

    Kahn's algorithm with a heap on negated work numbers (numbers follow the
    order of recording). When every citation points to an earlier work this is
    simply every work from the latest recorded to the earliest.
    """
    cited = {
        work: (found,) if isinstance(found, int) else found
        for work, found in zip(ancestry, map(sources.__getitem__, ancestry), strict=True)
    }
    waiting = dict.fromkeys(cited, 0)  # how many works inside the ancestry are built on each
    for found in cited.values():
        for source in found:
            waiting[source] += 1
    ready = [-seed]
    order: list[int] = []
    while ready:
        work = -heapq.heappop(ready)
        order.append(work)
        for source in cited[work]:
            waiting[source] -= 1
            if waiting[source] == 0:
                heapq.heappush(ready, -source)
    return tuple(order)
