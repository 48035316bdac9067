"""The lineage graph: works as nodes, ``source -> derived`` edges, built from the log.

``LineageGraph`` follows the ledger's events (``apply``) and keeps, besides the
``networkx.DiGraph``, the contributors (members with their credit preferences)
and the productions. Every node and edge remembers the position at which it was
recorded, so any question can be asked *as of* a past position: ``view(as_of)``
hides what came later without copying the graph.

Node attributes: ``title``, ``kind``, ``authors`` (tuple of member ids),
``created_at``, ``external_id``, ``license``, ``uri``, ``position``, and
``retracted_at`` (the position of its retraction, or None).
Edge attributes: ``relation`` (str), ``royalty_percent`` (Decimal or None),
``position``.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import networkx as nx

from ledger import Ledger
from ledger.log import iter_events
from ledger.member import Member
from ledger.production import DEFAULT_POLICY, DEFAULT_POOL_PERCENT, Production
from ledger.values import CreditMode, Money
from ledger.work import Work

__all__ = ["Contributor", "LineageGraph", "ProductionState"]


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


class LineageGraph:
    """The remix lineage, its contributors and productions, current to ``position``."""

    def __init__(self) -> None:
        self.graph: nx.DiGraph[UUID] = nx.DiGraph()
        self.position = 0
        # Each member's states over time: positions (sorted) and the state from each.
        self._member_positions: dict[UUID, list[int]] = {}
        self._member_states: dict[UUID, list[Contributor]] = {}
        # Productions change rarely; keep their events and replay to a position.
        self._production_events: dict[UUID, list[tuple[int, Any]]] = {}

    # ------------------------------------------------------------ building

    @classmethod
    def from_ledger(cls, ledger: Ledger, as_of: int | None = None) -> LineageGraph:
        """Build the graph from the ledger's log (up to ``as_of``, inclusive)."""
        lineage = cls()
        lineage.apply_all(iter_events(ledger, stop=as_of))
        return lineage

    def catch_up(self, ledger: Ledger, until: int | None = None) -> int:
        """Apply the events recorded since the graph's position; return the new position.

        This keeps a long-lived graph current incrementally (a server calls it
        before answering); ``from_ledger`` is the rebuild.
        """
        self.apply_all(iter_events(ledger, start=self.position + 1, stop=until))
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
                self._add_edge(event.citation, event.originator_id, position)
            case Work.Retracted():
                self.graph.nodes[event.originator_id]["retracted_at"] = position
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
        self.graph.add_node(
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
            self._add_edge(citation, event.originator_id, position)

    def _add_edge(self, citation: Any, derived: UUID, position: int) -> None:
        self.graph.add_edge(
            citation.work_id,
            derived,
            relation=citation.relation.value,
            royalty_percent=citation.royalty_percent,
            position=position,
        )

    def _member_changed(self, position: int, state: Contributor) -> None:
        self._member_positions.setdefault(state.member_id, []).append(position)
        self._member_states.setdefault(state.member_id, []).append(state)

    def _latest(self, member_id: UUID) -> Contributor:
        return self._member_states[member_id][-1]

    # ------------------------------------------------------------ as of

    def view(self, as_of: int | None = None) -> nx.DiGraph[UUID]:
        """The graph as it was at ``as_of`` (a read-only view; the whole graph when None)."""
        if as_of is None or as_of >= self.position:
            return self.graph
        nodes = self.graph.nodes
        view: nx.DiGraph[UUID] = nx.subgraph_view(
            self.graph,
            filter_node=lambda n: nodes[n]["position"] <= as_of,
            filter_edge=lambda u, v: self.graph.edges[u, v]["position"] <= as_of,
        )
        return view

    def is_retracted(self, work_id: UUID, as_of: int | None = None) -> bool:
        retracted_at = self.graph.nodes[work_id]["retracted_at"]
        return retracted_at is not None and (as_of is None or retracted_at <= as_of)

    def contributor(self, member_id: UUID, as_of: int | None = None) -> Contributor:
        """The member as they were at ``as_of`` (their latest state when None)."""
        states = self._member_states[member_id]
        if as_of is None:
            return states[-1]
        index = bisect.bisect_right(self._member_positions[member_id], as_of) - 1
        if index < 0:
            raise KeyError(member_id)
        return states[index]

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
        return _distances(self.view(as_of), work_id, depth, upward=True)

    def descendants(
        self, work_id: UUID, *, depth: int | None = None, as_of: int | None = None
    ) -> dict[UUID, int]:
        """Every work built (transitively) on ``work_id``, with its shortest distance."""
        return _distances(self.view(as_of), work_id, depth, upward=False)

    def roots(self, work_id: UUID, *, as_of: int | None = None) -> list[UUID]:
        """The originals (works without sources) that ``work_id`` descends from."""
        graph = self.view(as_of)
        found = [a for a in self.ancestors(work_id, as_of=as_of) if graph.in_degree(a) == 0]
        return sorted(found, key=lambda a: graph.nodes[a]["position"])


def _distances(
    graph: nx.DiGraph[UUID], start: UUID, depth: int | None, *, upward: bool
) -> dict[UUID, int]:
    # Breadth-first, so the first time a work is met is by its shortest path.
    if start not in graph:
        raise KeyError(start)
    neighbours = graph.predecessors if upward else graph.successors
    distances: dict[UUID, int] = {}
    frontier = [start]
    level = 0
    seen = {start}
    while frontier and (depth is None or level < depth):
        level += 1
        following: list[UUID] = []
        for work in frontier:
            for neighbour in neighbours(work):
                if neighbour not in seen:
                    seen.add(neighbour)
                    distances[neighbour] = level
                    following.append(neighbour)
        frontier = following
    return distances
