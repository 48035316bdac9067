"""Lineages for the lineage tests: hand-drawn ones, random ones, and brute-force walks.

``Sketch`` records small hand-drawn lineages by title through a ledger's own
commands, for the example tests.

A ``LineageSpec`` describes members, works (each citing only earlier works, so
the lineage is a DAG by construction), some citations added later, credit
preferences and a production. ``built(spec)`` records it through a memory
ledger's own commands and yields the ``LineageGraph`` built from its log. The
brute-force helpers walk the spec itself, never the graph, so they check the
lineage code rather than repeat it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from ledger import Citation, Ledger, Money, Relation, open_ledger
from lineage.graph import LineageGraph
from tests.recorded_before import before_the_royalty_rule

RELATIONS = [relation.value for relation in Relation]

# Mostly small, so that most random lineages can be paid under LAP and LRP too.
percents = st.sampled_from(
    [None, None, Decimal(0), Decimal(1), Decimal(5), Decimal(10), Decimal("12.5"), Decimal(100)]
)


@dataclass(frozen=True)
class Source:
    work: int
    relation: str
    percent: Decimal | None


@dataclass(frozen=True)
class WorkSpec:
    authors: tuple[int, ...]
    sources: tuple[Source, ...]


@dataclass
class LineageSpec:
    members: int
    works: list[WorkSpec]
    late_citations: list[tuple[int, Source]] = field(default_factory=list)
    credit: dict[int, str] = field(default_factory=dict)
    production: list[int] = field(default_factory=list)

    def sources_of(self, work: int) -> list[Source]:
        """A work's sources, the late citations included."""
        late = [source for cited, source in self.late_citations if cited == work]
        return [*self.works[work].sources, *late]

    def ancestors(self, work: int) -> set[int]:
        """Every work reachable back through sources (brute force, by recursion)."""
        found: set[int] = set()
        for source in self.sources_of(work):
            found |= {source.work} | self.ancestors(source.work)
        return found

    def paths(self, work: int) -> list[list[tuple[int, Source | None]]]:
        """Every path back from ``work``: lists of (work, citation used to step to it)."""
        walked: list[list[tuple[int, Source | None]]] = [[(work, None)]]
        for source in self.sources_of(work):
            for rest in self.paths(source.work):
                walked.append([(work, None), (rest[0][0], source), *rest[1:]])
        return walked


@st.composite
def lineage_specs(draw: st.DrawFn, max_works: int = 9) -> LineageSpec:
    """A random lineage of 1 to ``max_works`` works by 1 to 4 members."""
    members = draw(st.integers(1, 4))
    count = draw(st.integers(1, max_works))
    works: list[WorkSpec] = []
    for index in range(count):
        authors = draw(st.lists(st.integers(0, members - 1), min_size=1, max_size=2, unique=True))
        # The last work, the one usually paid, always has sources when it can.
        fewest = 1 if index == count - 1 else 0
        earlier = st.integers(0, index - 1)
        cited = draw(st.lists(earlier, min_size=fewest, max_size=3, unique=True)) if index else []
        sources = tuple(
            Source(work, draw(st.sampled_from(RELATIONS)), draw(percents)) for work in cited
        )
        works.append(WorkSpec(tuple(authors), sources))
    late: list[tuple[int, Source]] = []
    for index in draw(st.lists(st.integers(1, count - 1), max_size=2)) if count > 1 else []:
        taken = {s.work for s in works[index].sources} | {s.work for i, s in late if i == index}
        free = [work for work in range(index) if work not in taken]
        if free:
            relation = draw(st.sampled_from(RELATIONS))
            source = Source(draw(st.sampled_from(free)), relation, draw(percents))
            late.append((index, source))
    credit = draw(
        st.dictionaries(st.integers(0, members - 1), st.sampled_from(["name", "pseudonym", "none"]))
    )
    production = draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=3, unique=True))
    return LineageSpec(members, works, late, credit, production)


@dataclass
class Built:
    """A spec recorded in a ledger: the ids made, and the lineage graph of the log."""

    spec: LineageSpec
    ledger: Ledger
    members: list[UUID]
    works: list[UUID]
    production: UUID
    revenue: Money

    def lineage(self) -> LineageGraph:
        return LineageGraph.from_ledger(self.ledger)

    def index(self, work_id: UUID) -> int:
        return self.works.index(work_id)


@contextmanager
def built(spec: LineageSpec, amount_minor_units: int = 100_00) -> Iterator[Built]:
    """Record ``spec`` through a memory ledger's commands (closed afterwards)."""
    ledger = open_ledger("memory://")
    try:
        members = [ledger.register_member(handle=f"m{i}").id for i in range(spec.members)]
        for member, mode in sorted(spec.credit.items()):
            pseudonym = f"Pen {member}" if mode == "pseudonym" else None
            ledger.set_credit_preference(members[member], mode, pseudonym=pseudonym)
        works: list[UUID] = []
        # Random percentages may promise more than 100%: the policies' own errors are tested.
        with before_the_royalty_rule():
            for index, work in enumerate(spec.works):
                citations = [_citation(works, source) for source in work.sources]
                authors = [members[author] for author in work.authors]
                recorded = ledger.remix(authors=authors, title=f"w{index}", sources=citations)
                works.append(recorded.id)
            for index, source in spec.late_citations:
                ledger.cite_source(works[index], _citation(works, source))
        curator = ledger.register_member(handle="curator").id
        ledger.grant_role(curator, "curator")
        production = ledger.create_production(title="Book", curator_id=curator).id
        for index in spec.production:
            ledger.include_work(production, works[index])
        ledger.publish(production)
        revenue = Money(amount_minor_units, "USD")
        ledger.record_revenue(production, revenue)
        yield Built(spec, ledger, members, works, production, revenue)
    finally:
        ledger.close()


def _citation(works: list[UUID], source: Source) -> Citation:
    return Citation(works[source.work], Relation(source.relation), source.percent)


Cite = str | tuple[str, str | None] | tuple[str, str | None, str]


class Sketch:
    """Hand-drawn lineages by title: ``sketch.work("B", "ana", cites=[("A", "5")])``.

    A citation is a source title, ``(title, percent)`` or ``(title, percent,
    relation)``; the relation defaults to "remix". Authors are handles,
    registered on first use (their name is the handle, capitalised).
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.members: dict[str, UUID] = {}
        self.works: dict[str, UUID] = {}

    def member(self, handle: str, name: str | None = None) -> UUID:
        if handle not in self.members:
            recorded = self.ledger.register_member(handle=handle, name=name or handle.title())
            self.members[handle] = recorded.id
        return self.members[handle]

    def work(
        self, title: str, *authors: str, cites: list[Cite] | None = None, **extra: str
    ) -> UUID:
        with before_the_royalty_rule():  # sketches show the policies' own errors too
            recorded = self.ledger.remix(
                authors=[self.member(handle) for handle in authors or ("ana",)],
                title=title,
                sources=[self.citation(cite) for cite in cites or []],
                **extra,  # type: ignore[arg-type]
            )
        self.works[title] = recorded.id
        return recorded.id

    def citation(self, cite: Cite) -> Citation:
        if isinstance(cite, str):
            cite = (cite, None)
        title, percent, *relation = cite
        declared = None if percent is None else Decimal(percent)
        return Citation(self.works[title], Relation(relation[0] if relation else "remix"), declared)

    def cite(self, title: str, cite: Cite) -> int:
        """Add a citation later; return its position."""
        position = self.ledger.cite_source(self.works[title], self.citation(cite)).position
        assert position is not None
        return position

    def production(self, *titles: str, publish: bool = True) -> UUID:
        curator = self.member("curator")
        self.ledger.grant_role(curator, "curator")
        production = self.ledger.create_production(title="The Book", curator_id=curator).id
        for title in titles:
            self.ledger.include_work(production, self.works[title])
        if publish:
            self.ledger.publish(production)
        return production

    def lineage(self) -> LineageGraph:
        return LineageGraph.from_ledger(self.ledger)

    def titles(self, shares: Mapping[UUID, Any]) -> dict[str, Any]:
        """Shares keyed by work title instead of id, with values as Fractions."""
        names = {work: title for title, work in self.works.items()}
        return {names[work]: getattr(share, "value", share) for work, share in shares.items()}
