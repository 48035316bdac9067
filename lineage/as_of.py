"""The lineage graph read as of a position: its works, citations and contributors.

``AsOfGraph`` answers about the state ``GraphState`` keeps, at the graph's
position or at any past one: ``view(as_of)`` hides what came later without
copying the graph, and the column reads (``source_columns_as_of``,
``credit_heads_of``...) overlay the few facts that differed then.

The public methods take and return UUIDs (``number``/``work_id`` translate);
``work(work_id)`` gives a work's facts: ``title``, ``kind``, ``authors`` (tuple of
member ids), ``created_at``, ``external_id``, ``license``, ``uri``, ``position``,
and ``retracted_at`` (the position of its retraction, or None).
``citation(source, derived)`` gives an edge's data and its ``position``.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import networkx as nx

from lineage.contributors import Contributor, CreditHead
from lineage.graph_state import DataColumn, GraphState, SourceColumn
from lineage.kernels import take, take_codes

__all__ = ["AsOfGraph"]


class AsOfGraph(GraphState):
    """The lineage graph's state, read as of any position up to its own."""

    def view(self, as_of: int | None = None) -> nx.DiGraph[int]:
        """The graph (of work numbers) as it was at ``as_of``; the whole graph when None.

        A read-only view: nothing is copied.
        """
        if as_of is None or as_of >= self.position:
            return self.graph
        positions = self._positions
        view: nx.DiGraph[int] = nx.subgraph_view(
            self.graph,
            filter_node=lambda n: positions[n] <= as_of,
            filter_edge=lambda u, v: self.citation_position(u, v) <= as_of,
        )
        return view

    # ------------------------------------------------------------ works

    def number(self, work_id: UUID) -> int:
        """The work's node in ``graph`` (KeyError if there is no such work)."""
        return self._numbers[work_id]

    def work_id(self, number: int) -> UUID:
        """The id of the work at node ``number``."""
        return self._ids[number]

    def has_work(self, work_id: UUID, as_of: int | None = None) -> bool:
        """Whether the work was recorded (by ``as_of``)."""
        number = self._numbers.get(work_id)
        return number is not None and (as_of is None or self._positions[number] <= as_of)

    def __len__(self) -> int:
        return len(self._ids)

    def work(self, work_id: UUID) -> dict[str, Any]:
        """The work's facts (a new dictionary): title, kind, authors, created_at, ids, ..."""
        return self.work_at(self._numbers[work_id])

    def work_at(self, number: int) -> dict[str, Any]:
        """``work`` by node number."""
        return {
            "title": self._titles[number],
            "kind": self._kinds[number],
            "authors": self.authors_at(number),
            "created_at": self._created_at(number),
            "external_id": self._external_ids[number],
            "license": self._licenses.get(number),
            "uri": self._uris.get(number),
            "position": self._positions[number],
            "retracted_at": self._retracted.get(number),
        }

    def title_at(self, number: int) -> str:
        return self._titles[number]

    def authors_at(self, number: int) -> tuple[UUID, ...]:
        member_ids = self._member_ids
        return tuple(member_ids[m] for m in self.author_numbers_at(number))

    def author_numbers_at(self, number: int) -> tuple[int, ...]:
        """The member numbers of the work's authors (see ``member_number``)."""
        author = self._authors[number]
        return self._coauthors[number] if author < 0 else (author,)

    def raw_authors_of(self, numbers: Sequence[int]) -> list[int | tuple[int, ...]]:
        """The author numbers of the works at ``numbers``: a bare int for a single
        author (most works), a tuple for several."""
        return take_codes(self._authors, numbers, self._coauthors)

    def member_id(self, number: int) -> UUID:
        """The id of the member with ``number``."""
        return self._member_ids[number]

    def position_at(self, number: int) -> int:
        return self._positions[number]

    def external_id_at(self, number: int) -> str | None:
        return self._external_ids[number]

    def work_ids_of(self, numbers: Sequence[int]) -> list[UUID]:
        """The ids of the works at ``numbers``, in that order."""
        return take(self._ids, numbers)

    def positions_of(self, numbers: Iterable[int]) -> list[int]:
        """The positions at which the works at ``numbers`` were recorded, in that order."""
        return list(map(self._positions.__getitem__, numbers))

    def titles_of(self, numbers: Sequence[int]) -> list[str]:
        """The titles of the works at ``numbers``, in that order."""
        return take(self._titles, numbers)

    def external_ids_of(self, numbers: Sequence[int]) -> list[str | None]:
        """The external ids of the works at ``numbers``, in that order."""
        return take(self._external_ids, numbers)

    def retractions_of(self, numbers: Sequence[int], as_of: int | None = None) -> list[bool]:
        """Whether each work at ``numbers`` was retracted (by ``as_of``), in that order."""
        if not self._retracted:
            return [False] * len(numbers)
        return [self.retracted_at(n, as_of) for n in numbers]

    def retracted_at(self, number: int, as_of: int | None = None) -> bool:
        """Whether the work at ``number`` was retracted (by ``as_of``)."""
        retracted = self._retracted.get(number)
        return retracted is not None and (as_of is None or retracted <= as_of)

    def citation_position(self, source: int, derived: int) -> int:
        """The position at which ``derived`` cited ``source`` (node numbers)."""
        return self._late_citations.get((source, derived), self._positions[derived])

    def source_columns(self) -> tuple[SourceColumn, DataColumn]:
        """Every work's sources and their citations' data, by work number (read-only).

        For work ``n``: ``sources[n]`` is the sources' numbers in ascending order
        (a bare int for one, ``()`` for none) and ``data[n]`` the citations' data
        in the same order (a bare dict for one). These hold the whole graph; as of
        a past position, filter with ``sources_as_of``.
        """
        return self._sources, self._source_data

    def sources_as_of(
        self, number: int, as_of: int
    ) -> tuple[tuple[int, ...], tuple[dict[str, Any], ...]]:
        """The sources of the work at ``number`` cited by ``as_of``, and their data.

        Only a work with a late citation (``_late_derived``) can differ from
        ``source_columns``: a work's own citations share its position.
        """
        found, data = self._sources[number], self._source_data[number]
        pairs = [(found, data)] if isinstance(found, int) else zip(found, data or (), strict=True)
        kept = [(s, d) for s, d in pairs if self.citation_position(s, number) <= as_of]
        return tuple(s for s, _ in kept), tuple(d for _, d in kept)  # type: ignore[misc]

    def citation_codes_as_of(
        self, as_of: int | None
    ) -> tuple[array[int], list[dict[str, Any]]] | None:
        """The compact twin of ``source_columns`` (see ``_citation_codes``): two codes
        per work, and the citation data the second one indexes; None as of a past
        position where a late citation makes the columns differ (then read
        ``source_columns_as_of``)."""
        if self._columns_hold(as_of):
            return self._citation_codes, self._edge_data
        return None

    def _columns_hold(self, as_of: int | None) -> bool:
        # As of a past position only works that cited a source late can differ.
        return as_of is None or as_of >= self.position or not self._late_derived

    def source_columns_as_of(
        self, as_of: int | None
    ) -> tuple[Sequence[int | tuple[int, ...]], Sequence[Any]]:
        """``source_columns`` as of ``as_of`` (the columns themselves when nothing differs).

        As of a past position only works that cited a source late can differ:
        their citations are filtered in an overlay of the columns, nothing is copied.
        """
        if self._columns_hold(as_of):
            return self._sources, self._source_data
        assert as_of is not None  # (None always holds)
        # Worked out when a walk first reaches such a work, not for all of them up front.
        filtered: dict[int, tuple[tuple[int, ...], tuple[Any, ...]]] = {}

        def at(number: int) -> tuple[tuple[int, ...], tuple[Any, ...]]:
            found = filtered.get(number)
            if found is None:
                found = filtered[number] = self.sources_as_of(number, as_of)
            return found

        late = self._late_derived
        return _Overlay(self._sources, late, lambda n: at(n)[0]), _Overlay(
            self._source_data, late, lambda n: at(n)[1]
        )

    def citation(self, source: UUID, derived: UUID) -> dict[str, Any]:
        """A citation's data: relation, royalty_percent (Decimal or None) and position."""
        s, d = self._numbers[source], self._numbers[derived]
        data: dict[str, Any] = self.graph.adj[s][d]
        return {**data, "position": self.citation_position(s, d)}

    def sources_of(self, work_id: UUID, as_of: int | None = None) -> list[UUID]:
        """The works ``work_id`` cites (as of ``as_of``), in no particular order."""
        graph = self.view(as_of)
        return [self._ids[s] for s in graph.predecessors(self._numbers[work_id])]

    def derived_of(self, work_id: UUID, as_of: int | None = None) -> list[UUID]:
        """The works citing ``work_id`` (as of ``as_of``), in no particular order."""
        graph = self.view(as_of)
        return [self._ids[d] for d in graph.successors(self._numbers[work_id])]

    def is_retracted(self, work_id: UUID, as_of: int | None = None) -> bool:
        return self.retracted_at(self._numbers[work_id], as_of)

    def contributor(self, member_id: UUID, as_of: int | None = None) -> Contributor:
        """The member as they were at ``as_of`` (their latest state when None)."""
        return self._member_states[member_id][self._state_index(member_id, as_of)]

    def _state_index(self, member_id: UUID, as_of: int | None) -> int:
        """Which of the member's states held at ``as_of`` (KeyError: none yet)."""
        if as_of is None:
            return -1
        index = bisect.bisect_right(self._member_positions[member_id], as_of) - 1
        if index < 0:
            raise KeyError(member_id)
        return index

    def credit_heads_of(
        self, member_numbers: Sequence[int], as_of: int | None = None
    ) -> list[CreditHead]:
        """For each of ``member_numbers`` (see ``member_number``), in order, the member
        as of ``as_of`` as ``(member id, external id, handle, credited as)``."""
        latest = take(self._latest_heads, member_numbers)
        if as_of is None:
            return latest
        # Most members have not changed since: only the others are looked up.
        since = map(self._latest_head_positions.__getitem__, member_numbers)
        heads = self._credit_heads
        for index, position in enumerate(since):
            if position > as_of or position < 0:
                member = self._member_ids[member_numbers[index]]
                latest[index] = heads[member][self._state_index(member, as_of)]
        return latest


class _Overlay(Sequence[Any]):
    """A read-only column whose items at ``changed`` numbers come from ``read``
    (a past view of a source column)."""

    def __init__(self, base: Sequence[Any], changed: set[int], read: Any) -> None:
        self._base = base
        self._changed = changed
        self._read = read

    def __getitem__(self, number: Any) -> Any:
        return self._read(number) if number in self._changed else self._base[number]

    def __len__(self) -> int:
        return len(self._base)
