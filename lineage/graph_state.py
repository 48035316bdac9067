"""The lineage graph's state, and how each of the ledger's events changes it.

``GraphState`` holds the remix graph, the works' facts, the contributors (members
with their credit preferences) and the productions' events, and ``apply`` takes one
event of the log into them. Every work and citation remembers the position at
which it was recorded, so that ``lineage.as_of`` can answer as of a past position.

The graph is a ``networkx.DiGraph`` whose nodes are work *numbers* (0, 1, ... in
the order works were recorded), not UUIDs: a million works are kept in well
under a gigabyte that way, and walking the graph hashes small integers instead
of calling ``UUID.__hash__``. The works' facts are kept in per-column lists
beside the graph (``lineage.as_of`` reads them). An edge's data is ``relation``
(str) and ``royalty_percent`` (Decimal or None), shared between the edges that
have the same pair (read-only).
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID

import networkx as nx

from ledger.domain.member import Member
from ledger.domain.production import Production
from ledger.domain.values import CreditMode
from ledger.domain.work import Work
from lineage.contributors import Contributor, CreditHead
from lineage.productions import PRODUCTION_EVENTS

__all__ = ["LINEAGE_EVENTS", "CitationData", "DataColumn", "GraphState", "SourceColumn"]

#: A citation's data: ``relation`` and ``royalty_percent`` (shared, read-only).
CitationData = dict[str, Any]
#: Per work number: the sources' numbers (a bare int for one, ``()`` for none).
SourceColumn = list[int | tuple[int, ...]]
#: Per work number: the citations' data in the same order (a bare dict for one).
DataColumn = list[CitationData | tuple[CitationData, ...] | None]


class _SharedEmpty(dict[str, Any]):
    """One empty attribute dictionary for every node: the facts live in columns."""

    def __setitem__(self, key: str, value: Any) -> None:
        raise TypeError("lineage graph nodes carry no attributes; see LineageGraph.work")

    def update(self, *args: Any, **kwargs: Any) -> None:
        if (args and args[0]) or kwargs:
            raise TypeError("lineage graph nodes carry no attributes; see LineageGraph.work")


_NO_ATTRIBUTES = _SharedEmpty()


class _WorkGraph(nx.DiGraph):  # type: ignore[type-arg]
    """A DiGraph whose nodes share one empty attribute dictionary (64 bytes a node saved),
    and whose citations share one data dictionary for each distinct (relation,
    percentage) instead of one each (a million of them at 184 bytes).

    Both through networkx's public hooks, the factories a graph calls for the
    dictionaries it makes, so that its own ``add_node`` and ``add_edge`` keep its
    adjacency and its caches as each version of networkx keeps them.
    """

    #: The data dictionary that ``cite`` is giving its edge (None between calls).
    _citation_data: dict[str, Any] | None = None

    def node_attr_dict_factory(self) -> dict[str, Any]:
        return _NO_ATTRIBUTES

    def edge_attr_dict_factory(self) -> dict[str, Any]:
        data = self._citation_data
        return {} if data is None else data

    def cite(self, source: int, derived: int, data: dict[str, Any]) -> None:
        """The edge ``source`` -> ``derived``, whose data is ``data`` itself, shared."""
        if self.has_edge(source, derived):  # cited again: the latest citation's data holds
            self.remove_edge(source, derived)
        self._citation_data = data
        try:
            self.add_edge(source, derived)
        finally:
            del self._citation_data


#: The events the graph takes (``GraphState.apply``); the log's others are not decoded.
LINEAGE_EVENTS: tuple[type, ...] = (
    Work.Contributed,
    Work.SourceCited,
    Work.Retracted,
    Member.Registered,
    Member.Renamed,
    Member.CreditPreferenceSet,
    *PRODUCTION_EVENTS,
)


class GraphState:
    """The remix lineage, its contributors and productions, current to ``position``:
    the state, and ``apply``, which takes the log's events into it."""

    def __init__(self) -> None:
        self.graph: nx.DiGraph[int] = _WorkGraph()
        self.position = 0
        # Work number <-> id, and each work's facts by number (columns, not dicts).
        self._numbers: dict[UUID, int] = {}
        self._ids: list[UUID] = []
        self._positions = array("q")
        self._titles: list[str] = []
        self._kinds: list[str] = []
        # Each work's author by member number, or -1 for a work with several,
        # whose tuples are kept by number in ``_coauthors``. An array, not a list
        # of ints: credits read it at thousands of scattered numbers, and an
        # array item is one read where an int object is another.
        self._authors = array("q")
        self._coauthors: dict[int, tuple[int, ...]] = {}
        # When each work was recorded, as microseconds since 1970 in UTC: a million
        # datetime objects would take 48 MB more than this array. A time given in
        # another zone (or none) is kept as given, by number, so it reads back as it was.
        self._created = array("q")
        self._created_elsewhere: dict[int, datetime] = {}
        self._external_ids: list[str | None] = []
        # Rare facts by number: only the works that have them.
        self._licenses: dict[int, str] = {}
        self._uris: dict[int, str] = {}
        self._retracted: dict[int, int] = {}
        # A citation recorded with its derived work has that work's position; only
        # the ones cited later keep their own.
        self._late_citations: dict[tuple[int, int], int] = {}
        # Edge data shared by every citation with the same relation and percentage:
        # each distinct one once, and its index there by (relation, percentage).
        self._edge_data: list[dict[str, Any]] = []
        self._edge_data_codes: dict[tuple[str, Any], int] = {}
        # The citations again, by derived work number, as flat columns beside the
        # networkx adjacency: the sources' numbers, sorted (a bare int for a single
        # source, the usual remix; () for an original), and each citation's data in
        # the same order (a bare dict for one). Walking an ancestry reads these:
        # a list index is several times cheaper than networkx's dict of dicts,
        # which matters when a lineage is 10 000 works deep.
        self._sources: SourceColumn = []
        self._source_data: DataColumn = []
        # The derived works with a late citation (see ``_late_citations``).
        self._late_derived: set[int] = set()
        # The same citations once more, compactly: two codes per work number, its
        # single source's number (-1 for none, -2 for several: read ``_sources``)
        # and that citation's data as an index into ``_edge_data``. A walk up
        # a long chain reads one code per step; reading the source's int object from
        # ``_sources`` as well is a second cache miss that the next step waits on.
        self._citation_codes = array("q")
        # Members by number (in order of first appearance), like works.
        self._member_numbers: dict[UUID, int] = {}
        self._member_ids: list[UUID] = []
        # Each member's states over time: positions (sorted) and the state from each.
        self._member_positions: dict[UUID, list[int]] = {}
        self._member_states: dict[UUID, list[Contributor]] = {}
        # The same states as the head of a credit line: (id, external id, handle,
        # credited as); credits for a long lineage read thousands of them.
        self._credit_heads: dict[UUID, list[CreditHead]] = {}
        # Each member's latest head by member number (read by ``take``, in C).
        self._latest_heads: list[CreditHead | None] = []
        # ... and the position from which each holds (-1: none yet), so a question
        # as of a past position reads most heads from the column too.
        self._latest_head_positions = array("q")
        # Productions change rarely; keep their events and replay to a position.
        self._production_events: dict[UUID, list[tuple[int, Any]]] = {}

    def apply_all(self, events: Iterable[tuple[int, Any]]) -> None:
        for position, event in events:
            self.apply(position, event)

    def apply(self, position: int, event: Any) -> None:
        """Take one event (at ``position``) into the graph; others are ignored."""
        self.position = max(self.position, position)
        match event:
            case Work.Contributed():
                self._add_work(position, event)
            case Work.SourceCited():
                self._add_edge(event.citation, self._numbers[event.originator_id], position)
            case Work.Retracted():
                self._retracted[self._numbers[event.originator_id]] = position
            case Member.Registered():
                self._member_changed(
                    position,
                    Contributor(event.originator_id, event.handle, event.name, event.external_id),
                )
            case Member.Renamed():
                self._member_changed(
                    position, replace(self._latest(event.originator_id), name=event.name)
                )
            case Member.CreditPreferenceSet():
                state = replace(
                    self._latest(event.originator_id),
                    credit_mode=CreditMode(event.mode),
                    pseudonym=event.pseudonym,
                )
                self._member_changed(position, state)
            case (
                Production.Created()
                | Production.WorkIncluded()
                | Production.WorkExcluded()
                | Production.Published()
                | Production.RevenueRecorded()
                | Production.PolicyChosen()
                | Production.ShareWaived()
                | Production.RoyaltyStatementIssued()
            ):
                self._production_events.setdefault(event.originator_id, []).append(
                    (position, event)
                )

    def _add_work(self, position: int, event: Any) -> None:
        number = len(self._ids)
        work_id = event.originator_id
        self._numbers[work_id] = number
        self._ids.append(work_id)
        self.graph.add_node(number)
        self._positions.append(position)
        self._titles.append(event.title)
        self._kinds.append(sys.intern(event.kind))
        authors = tuple(self.member_number(author, add=True) for author in event.authors)
        if len(authors) == 1:
            self._authors.append(authors[0])
        else:
            self._authors.append(-1)
            self._coauthors[number] = authors
        moment = event.occurred_at
        if moment.tzinfo is UTC:
            self._created.append((moment - _EPOCH) // _MICROSECOND)
        else:
            self._created.append(0)
            self._created_elsewhere[number] = moment
        self._external_ids.append(event.external_id)
        self._sources.append(())
        self._source_data.append(None)
        self._citation_codes.extend(_NO_CITATION)
        if event.license is not None:
            self._licenses[number] = event.license
        if event.uri is not None:
            self._uris[number] = event.uri
        for citation in getattr(event, "sources", ()):
            self._add_edge(citation, number, position)

    def _add_edge(self, citation: Any, derived: int, position: int) -> None:
        source = self._numbers[citation.work_id]
        percent = citation.royalty_percent
        # Keyed by the percentage's digits, so "5" and "5.0" stay as they were written.
        key = (citation.relation.value, None if percent is None else percent.as_tuple())
        code = self._edge_data_codes.get(key)
        if code is None:
            code = self._edge_data_codes[key] = len(self._edge_data)
            self._edge_data.append(
                {"relation": citation.relation.value, "royalty_percent": percent}
            )
        data = self._edge_data[code]
        graph = cast(_WorkGraph, self.graph)
        if graph.has_edge(source, derived) or position != self._positions[derived]:
            self._late_citations[(source, derived)] = position
            self._late_derived.add(derived)
        found, cited = _with_citation(
            self._sources[derived], self._source_data[derived], source, data
        )
        self._sources[derived], self._source_data[derived] = found, cited
        if isinstance(found, int):  # this citation is the work's only one
            self._citation_codes[2 * derived] = found
            self._citation_codes[2 * derived + 1] = code
        else:
            self._citation_codes[2 * derived] = _SEVERAL
        graph.cite(source, derived, data)

    def _member_changed(self, position: int, state: Contributor) -> None:
        self._member_positions.setdefault(state.member_id, []).append(position)
        self._member_states.setdefault(state.member_id, []).append(state)
        head = (state.member_id, state.external_id, state.handle, state.credited_as)
        self._credit_heads.setdefault(state.member_id, []).append(head)
        number = self._member_numbers.get(state.member_id)
        if number is not None:
            self._latest_heads[number] = head
            self._latest_head_positions[number] = position

    def _latest(self, member_id: UUID) -> Contributor:
        return self._member_states[member_id][-1]

    def member_number(self, member_id: UUID, *, add: bool = False) -> int:
        """A member's number (KeyError if no work names them, unless ``add``)."""
        number = self._member_numbers.get(member_id)
        if number is None:
            if not add:
                raise KeyError(member_id)
            number = self._member_numbers[member_id] = len(self._member_ids)
            self._member_ids.append(member_id)
            heads = self._credit_heads.get(member_id)
            self._latest_heads.append(heads[-1] if heads else None)
            positions = self._member_positions.get(member_id)
            self._latest_head_positions.append(positions[-1] if positions else -1)
        return number

    def _created_at(self, number: int) -> datetime:
        """When the work at ``number`` was recorded, as given (see ``_created``)."""
        return self._created_elsewhere.get(number) or _EPOCH + timedelta(
            microseconds=self._created[number]
        )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


#: ``_citation_codes`` of a work with no source, and the first code of one with several.
_NO_CITATION = (-1, -1)
_SEVERAL = -2


def _with_citation(
    found: int | tuple[int, ...],
    data: dict[str, Any] | tuple[dict[str, Any], ...] | None,
    source: int,
    datum: dict[str, Any],
) -> tuple[int | tuple[int, ...], dict[str, Any] | tuple[dict[str, Any], ...]]:
    """A work's source columns with one more citation (a repeated one replaces its data)."""
    if found == ():
        return source, datum
    if isinstance(found, int):
        assert isinstance(data, dict)
        pairs = {found: data}
    else:
        assert isinstance(data, tuple)
        pairs = dict(zip(found, data, strict=True))
    pairs[source] = datum
    ordered = sorted(pairs)
    return tuple(ordered), tuple(pairs[s] for s in ordered)
