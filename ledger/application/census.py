"""A census of the ledger: how many of each record, in one pass over the log."""

from __future__ import annotations

from collections import Counter
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

__all__ = ["Census", "take_census"]


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
    census.diamonds = sum(1 for cited in sources.values() if _is_diamond(cited, sources))
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


def _is_diamond(cited: list[UUID], sources: dict[UUID, list[UUID]]) -> bool:
    """Whether two of a work's sources share an ancestor (or one is the other's)."""
    if len(cited) < 2:
        return False
    reached_from: dict[UUID, int] = {}
    stack = [(source, index) for index, source in enumerate(cited)]
    while stack:
        work, origin = stack.pop()
        seen = reached_from.get(work)
        if seen is not None:
            if seen != origin:
                return True
            continue
        reached_from[work] = origin
        stack.extend((source, origin) for source in sources.get(work, ()))
    return False
