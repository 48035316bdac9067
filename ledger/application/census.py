"""A census of the ledger: how many of each record, in one pass over the log."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from ledger.application.ledger import Ledger
from ledger.application.log import iter_events
from ledger.domain.comment import Comment
from ledger.domain.member import Member
from ledger.domain.production import Production
from ledger.domain.values import Money
from ledger.domain.vote import Vote
from ledger.domain.work import Work

__all__ = ["Census", "count_diamonds", "take_census"]


@dataclass
class Census:
    """Counts of what the ledger holds, as of its head position."""

    position: int = 0
    events: int = 0
    members: int = 0
    curators: int = 0
    works_by_kind: Counter[str] = field(default_factory=Counter)
    remixes: int = 0
    retracted_works: int = 0
    comments: int = 0
    votes: int = 0
    productions: int = 0
    published: int = 0
    revenue: dict[str, int] = field(default_factory=dict)
    deepest_chain: int = 0
    diamonds: int = 0

    @property
    def works(self) -> int:
        return sum(self.works_by_kind.values())

    def revenue_text(self) -> str:
        if not self.revenue:
            return "none"
        return ", ".join(
            str(Money(units, currency)) for currency, units in sorted(self.revenue.items())
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "events": self.events,
            "members": self.members,
            "curators": self.curators,
            "works": self.works,
            "works_by_kind": dict(sorted(self.works_by_kind.items())),
            "remixes": self.remixes,
            "retracted_works": self.retracted_works,
            "comments": self.comments,
            "votes": self.votes,
            "productions": self.productions,
            "published": self.published,
            "revenue": {c: str(Money(u, c)) for c, u in sorted(self.revenue.items())},
            "deepest_chain": self.deepest_chain,
            "diamonds": self.diamonds,
        }


def take_census(ledger: Ledger) -> Census:
    """Count the ledger's records; the deepest chain counts works from an original down."""
    census = Census()
    sources: dict[UUID, list[UUID]] = {}
    vote_values: dict[UUID, int] = {}
    for position, event in iter_events(ledger):
        census.position = position
        census.events += 1
        match event:
            case Member.Registered():
                census.members += 1
            case Member.RoleGranted():
                census.curators += 1
            case Work.Contributed():
                census.works_by_kind[event.kind] += 1
                cited = [c.work_id for c in getattr(event, "sources", ())]
                sources[event.originator_id] = cited
                census.remixes += bool(cited)
            case Work.SourceCited():
                sources[event.originator_id].append(event.citation.work_id)
            case Work.Retracted():
                census.retracted_works += 1
            case Comment.Commented():
                census.comments += 1
            case Vote.Voted() | Vote.VoteChanged() | Vote.VoteWithdrawn():
                vote_values[event.originator_id] = getattr(event, "value", 0)
            case Production.Created():
                census.productions += 1
            case Production.Published():
                census.published += 1
            case Production.RevenueRecorded():
                currency = event.amount.currency
                census.revenue[currency] = (
                    census.revenue.get(currency, 0) + event.amount.minor_units
                )
    census.votes = sum(1 for value in vote_values.values() if value)

    census.deepest_chain = _deepest_chain(sources)
    census.diamonds = count_diamonds(sources)
    return census


def _deepest_chain(sources: dict[UUID, list[UUID]]) -> int:
    """The most works on one path from an original down, in topological order.

    Iterative (Kahn's algorithm): a chain of any length, no recursion limit. Log
    order alone is not topological, since a citation may be added to an older work.
    """
    derived: dict[UUID, list[UUID]] = {work: [] for work in sources}
    waiting = {work: len(cited) for work, cited in sources.items()}
    for work, cited in sources.items():
        for source in cited:
            derived[source].append(work)
    depth = dict.fromkeys(sources, 1)
    ready = [work for work, count in waiting.items() if count == 0]
    while ready:
        work = ready.pop()
        for built in derived[work]:
            depth[built] = max(depth[built], depth[work] + 1)
            waiting[built] -= 1
            if waiting[built] == 0:
                ready.append(built)
    return max(depth.values(), default=0)


def count_diamonds(sources: Mapping[UUID, Sequence[UUID]]) -> int:
    """How many works have two sources that share an ancestor (or one is the other's,
    or the same source is cited twice): the works ``_is_diamond`` would name.

    Each work's sources are walked up together, latest in topological order first,
    each ancestor labelled with the source it was reached from; a second label is a
    diamond. Once only one source's walk is left, no ancestor can be reached twice,
    so the walk stops there: on a git-like history a merge walks back only to its
    fork, not over the whole ancestry. (Exactly which works have intersecting
    ancestries is a reachability question with no known linear-time answer; this
    one is exact and touches only the part of the ancestry between a work's sources
    and their nearest common ancestor, or the point where one walk runs out.)
    """
    order = {work: index for index, work in enumerate(_topological_order(sources))}
    return sum(1 for cited in sources.values() if _is_diamond(cited, sources, order))


def _topological_order(sources: Mapping[UUID, Sequence[UUID]]) -> list[UUID]:
    """The works, every source before the works built on it (Kahn's algorithm)."""
    derived: dict[UUID, list[UUID]] = {work: [] for work in sources}
    waiting = {work: len(cited) for work, cited in sources.items()}
    for work, cited in sources.items():
        for source in cited:
            derived.setdefault(source, []).append(work)
    ready = [work for work, count in waiting.items() if count == 0]
    order: list[UUID] = []
    while ready:
        work = ready.pop()
        order.append(work)
        for built in derived[work]:
            waiting[built] -= 1
            if waiting[built] == 0:
                ready.append(built)
    return order


def _is_diamond(
    cited: Sequence[UUID], sources: Mapping[UUID, Sequence[UUID]], order: Mapping[UUID, int]
) -> bool:
    """Whether two of a work's sources share an ancestor (or one is the other's)."""
    if len(cited) < 2:
        return False
    if len(set(cited)) < len(cited):
        return True
    reached_from: dict[UUID, int] = {}
    walking = [0] * len(cited)  # entries on the heap, per source
    heap: list[tuple[int, int, UUID]] = []
    for origin, source in enumerate(cited):
        reached_from[source] = origin
        walking[origin] = 1
        heapq.heappush(heap, (-order.get(source, -1), origin, source))
    walks_left = len(cited)
    while walks_left > 1:
        _, origin, work = heapq.heappop(heap)
        walking[origin] -= 1
        for source in sources.get(work, ()):
            seen = reached_from.get(source)
            if seen is not None:
                if seen != origin:
                    return True
                continue
            reached_from[source] = origin
            walking[origin] += 1
            heapq.heappush(heap, (-order.get(source, -1), origin, source))
        if walking[origin] == 0:
            walks_left -= 1
    return False
