"""The lineage graph: works as nodes, ``source -> derived`` edges, built from the log.

``LineageGraph`` is built from the ledger's log (``from_ledger``) and follows it
(``catch_up``); it walks the lineage (``ancestors``, ``descendants``, ``roots``)
and replays productions, as of any position. What it keeps and how each event
changes it is ``lineage.graph_state``; how it reads as of a past position is
``lineage.as_of``; a production's state is ``lineage.productions``.
"""

from __future__ import annotations

import gc
from typing import Any
from uuid import UUID

from ledger import Ledger
from ledger.application.log import iter_events
from lineage.as_of import AsOfGraph
from lineage.graph_state import LINEAGE_EVENTS
from lineage.kernels import walk_sources
from lineage.productions import ProductionState, production_as_of

__all__ = ["LineageGraph"]


class LineageGraph(AsOfGraph):
    """The remix lineage, its contributors and productions, current to ``position``."""

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

    def production(self, production_id: UUID, as_of: int | None = None) -> ProductionState:
        """The production as it was at ``as_of``: works in order, publication, revenue."""
        return production_as_of(production_id, self._production_events[production_id], as_of)

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
