"""The lineage graph: works as nodes, ``source -> derived`` edges, built from the log.

``LineageGraph`` follows the ledger's events (``apply``) and keeps the remix
graph, the contributors (members with their credit preferences) and the
productions. Every work and citation remembers the position at which it was
recorded, so any question can be asked *as of* a past position: ``view(as_of)``
hides what came later without copying the graph.

The graph is a ``networkx.DiGraph`` whose nodes are work *numbers* (0, 1, ... in
the order works were recorded), not UUIDs: a million works are kept in well
under a gigabyte that way, and walking the graph hashes small integers instead
of calling ``UUID.__hash__``. The public methods take and return UUIDs
(``number``/``work_id`` translate); the works' facts are kept in per-column
lists beside the graph and read with ``work(work_id)``, which gives the
attributes the nodes used to carry: ``title``, ``kind``, ``authors`` (tuple of
member ids), ``created_at``, ``external_id``, ``license``, ``uri``,
``position``, and ``retracted_at`` (the position of its retraction, or None).
An edge's data is ``relation`` (str) and ``royalty_percent`` (Decimal or None),
shared between the edges that have the same pair (read-only, like the views);
``citation(source, derived)`` adds its ``position``.
"""

from __future__ import annotations

import bisect
import gc
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

import networkx as nx

from ledger import Ledger
from ledger.application.log import iter_events
from ledger.domain.member import Member
from ledger.domain.production import DEFAULT_POLICY, DEFAULT_POOL_PERCENT, Production
from ledger.domain.values import CreditMode, Money
from ledger.domain.work import Work
from lineage.kernels import take, take_codes, walk_sources

__all__ = ["Contributor", "CreditHead", "LineageGraph", "ProductionState"]

#: A citation's data: ``relation`` and ``royalty_percent`` (shared, read-only).
CitationData = dict[str, Any]
#: Per work number: the sources' numbers (a bare int for one, ``()`` for none).
SourceColumn = list[int | tuple[int, ...]]
#: Per work number: the citations' data in the same order (a bare dict for one).
DataColumn = list[CitationData | tuple[CitationData, ...] | None]

#: A member as a credit line starts: (member id, external id, handle, credited as).
CreditHead = tuple[UUID, str | None, str, str | None]


@dataclass(frozen=True, slots=True)
class Contributor:
    """A member as credits see them at one moment."""

    member_id: UUID
    handle: str
    name: str
    external_id: str | None
    credit_mode: CreditMode = CreditMode.NAME
    pseudonym: str | None = None

    @property
    def credited_as(self) -> str | None:
        """The name to print in credits; None when the member asked for no credit."""
        if self.credit_mode is CreditMode.NONE:
            return None
        if self.credit_mode is CreditMode.PSEUDONYM:
            return self.pseudonym
        return self.name


@dataclass(frozen=True, slots=True)
class Revenue:
    """One revenue payment of a production, and where it sits in the log."""

    position: int
    amount: Money
    occurred_at: datetime
    external_id: str | None


@dataclass(slots=True)
class ProductionState:
    """A production as of one position: its works, publication and revenue."""

    production_id: UUID
    title: str
    curator_id: UUID
    external_id: str | None
    position: int
    work_ids: list[UUID] = field(default_factory=list)
    published_at: datetime | None = None
    revenue: list[Revenue] = field(default_factory=list)
    policy: str = DEFAULT_POLICY
    policy_params: dict[str, str] = field(default_factory=dict)
    pool_percent: Decimal = DEFAULT_POOL_PERCENT
    weights: dict[UUID, Decimal] | None = None
    waived: set[UUID] = field(default_factory=set)
    statements: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    #: The position of each policy choice, in order.
    policy_positions: list[int] = field(default_factory=list)


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


#: The events the graph takes (``LineageGraph.apply``); the log's others are not decoded.
LINEAGE_EVENTS: tuple[type, ...] = (
    Work.Contributed,
    Work.SourceCited,
    Work.Retracted,
    Member.Registered,
    Member.Renamed,
    Member.CreditPreferenceSet,
    Production.Created,
    Production.WorkIncluded,
    Production.WorkExcluded,
    Production.Published,
    Production.RevenueRecorded,
    Production.PolicyChosen,
    Production.ShareWaived,
    Production.RoyaltyStatementIssued,
)


class LineageGraph:
    """The remix lineage, its contributors and productions, current to ``position``."""

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

    # ------------------------------------------------------------ building

    @classmethod
    def from_ledger(
        cls, ledger: Ledger, as_of: int | None = None, *, long_lived: bool = False
    ) -> LineageGraph:
        """Build the graph from the ledger's log (up to ``as_of``, inclusive).

        ``long_lived`` says the graph is kept for the rest of the process (a
        server, a CLI session): once it is built, everything alive is moved out
        of the cyclic garbage collector's generations (``gc.freeze``). A graph of
        a million works is millions of dicts, and every full collection walked
        them all (about 3 s each on the benchmark machine), stalling whichever
        question happened to trigger it. Frozen objects are still freed when no
        longer referenced; only reference cycles among them would outlive their
        use, and the graph is kept anyway.
        """
        lineage = cls()
        lineage.apply_all(iter_events(ledger, stop=as_of, only=LINEAGE_EVENTS))
        if long_lived:
            lineage.keep()
        return lineage

    def keep(self) -> None:
        """Say the graph is kept for the rest of the process (see ``from_ledger``):
        move everything alive out of the cyclic collector's generations."""
        gc.collect()
        gc.freeze()

    def catch_up(self, ledger: Ledger, until: int | None = None) -> int:
        """Apply the events recorded since the graph's position; return the new position.

        This keeps a long-lived graph current incrementally (a server calls it
        before answering); ``from_ledger`` is the rebuild.
        """
        self.apply_all(
            iter_events(ledger, start=self.position + 1, stop=until, only=LINEAGE_EVENTS)
        )
        return self.position

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

    # ------------------------------------------------------------ as of

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
            "created_at": self._created_elsewhere.get(number)
            or _EPOCH + timedelta(microseconds=self._created[number]),
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

    def production(self, production_id: UUID, as_of: int | None = None) -> ProductionState:
        """The production as it was at ``as_of``: works in order, publication, revenue."""
        events = self._production_events[production_id]
        state: ProductionState | None = None
        for position, event in events:
            if as_of is not None and position > as_of:
                break
            match event:
                case Production.Created():
                    state = ProductionState(
                        production_id, event.title, event.curator_id, event.external_id, position
                    )
                case Production.WorkIncluded():
                    assert state is not None
                    state.work_ids.append(event.work_id)
                case Production.WorkExcluded():
                    assert state is not None
                    state.work_ids.remove(event.work_id)
                case Production.Published():
                    assert state is not None
                    state.published_at = event.occurred_at
                case Production.RevenueRecorded():
                    assert state is not None
                    state.revenue.append(
                        Revenue(position, event.amount, event.occurred_at, event.external_id)
                    )
                case Production.PolicyChosen():
                    assert state is not None
                    state.policy = event.policy
                    state.policy_params = dict(event.params)
                    state.policy_positions.append(position)
                    state.pool_percent = event.pool_percent
                    state.weights = (
                        None
                        if event.weights is None
                        else {UUID(w): Decimal(v) for w, v in event.weights.items()}
                    )
                case Production.ShareWaived():
                    assert state is not None
                    state.waived.add(event.member_id)
                case Production.RoyaltyStatementIssued():
                    assert state is not None
                    state.statements[event.revenue_number] = (position, event.statement)
        if state is None:
            raise KeyError(production_id)
        return state

    @property
    def production_ids(self) -> list[UUID]:
        return list(self._production_events)

    # ------------------------------------------------------------ lineage

    def ancestors(
        self, work_id: UUID, *, depth: int | None = None, as_of: int | None = None
    ) -> dict[UUID, int]:
        """Every ancestor of ``work_id`` with its shortest generation distance (1 = a source)."""
        ids = self._ids
        found = self.ancestor_numbers(work_id, depth=depth, as_of=as_of)
        return {ids[n]: d for n, d in found.items()}

    def ancestor_numbers(
        self, work_id: UUID, *, depth: int | None = None, as_of: int | None = None
    ) -> dict[int, int]:
        """``ancestors`` by node number."""
        return self._distances(work_id, depth, as_of, upward=True)

    def descendants(
        self, work_id: UUID, *, depth: int | None = None, as_of: int | None = None
    ) -> dict[UUID, int]:
        """Every work built (transitively) on ``work_id``, with its shortest distance."""
        ids = self._ids
        found = self._distances(work_id, depth, as_of, upward=False)
        return {ids[n]: d for n, d in found.items()}

    def roots(self, work_id: UUID, *, as_of: int | None = None) -> list[UUID]:
        """The originals (works without sources) that ``work_id`` descends from."""
        graph = self.view(as_of)
        found = [n for n in self.ancestor_numbers(work_id, as_of=as_of) if graph.in_degree(n) == 0]
        return [self._ids[n] for n in sorted(found, key=self._positions.__getitem__)]

    def _distances(
        self, work_id: UUID, depth: int | None, as_of: int | None, *, upward: bool
    ) -> dict[int, int]:
        # Breadth-first, so the first time a work is met is by its shortest path.
        if not self.has_work(work_id, as_of):
            raise KeyError(work_id)
        start = self._numbers[work_id]
        if upward and depth is None:  # the whole ancestry: the C walk over the flat columns
            found, _ = walk_sources(self.source_columns_as_of(as_of)[0], start)
            del found[start]
            return found
        graph: Any = self.view(as_of)
        # The raw adjacency (a filtered one for a past view), read only: the public
        # views (``succ``, ``pred``) cost a wrapper per step, a walk 1.3 to 1.5 times
        # as long (measured on the 100 000-work bench graph). Every networkx 3 has
        # these two attributes; scripts/ci-lowest-deps tests the lowest one admitted.
        adjacency = graph._pred if upward else graph._succ
        distances: dict[int, int] = {start: 0}
        frontier = [start]
        level = 0
        while frontier and (depth is None or level < depth):
            level += 1
            following: list[int] = []
            for work in frontier:
                for neighbour in adjacency[work]:
                    if neighbour not in distances:
                        distances[neighbour] = level
                        following.append(neighbour)
            frontier = following
        del distances[start]
        return distances


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
