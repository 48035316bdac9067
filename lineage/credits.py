"""Credits of a work: everyone whose work it was built on, what they made, and their share.

``credits_for(lineage, work_id, policy)`` lists every author of the work and of
all its ancestors (through every path), each once, with:

- who they are: member id, external id, handle, and the name to credit them by,
  honouring their credit preference at ``as_of`` (a pseudonym, or None for a
  member who asked for no credit: they are still listed, still paid, and shown
  as "Anonymous" wherever credits are rendered);
- the works they made in this lineage, each with its shortest generation
  distance to the published work and the relations on the citations along its
  paths to it (a story illustrated, and the illustration animated, reaches the
  film by ``illustration`` and ``adaptation``);
- their shortest distance (0 for the published work's own authors) and their
  exact share of a payment to the work under the policy, with its explanation.

Credits are sorted by distance, then share (largest first), then handle.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple
from uuid import UUID

from lineage.ancestry import Ancestry
from lineage.exact import fraction_text
from lineage.graph import LineageGraph
from lineage.policies import RoyaltyPolicy, Share
from lineage.rounding import format_percent

__all__ = [
    "ANONYMOUS",
    "Credit",
    "CreditedWork",
    "Credits",
    "credits_for",
    "explanation_dict",
    "share_dict",
]

#: How a member who asked for no credit is shown.
ANONYMOUS = "Anonymous"


class CreditedWork(NamedTuple):
    """One work of a contributor within the lineage being credited.

    A named tuple rather than a frozen dataclass: credits for a 10 000-work
    lineage make 10 000 of them, and a tuple is built several times faster.
    """

    work_id: UUID
    external_id: str | None
    title: str
    distance: int
    relations: tuple[str, ...]
    retracted: bool


@dataclass(frozen=True, slots=True)
class Credit:
    """One contributor to a work's lineage."""

    member_id: UUID
    external_id: str | None
    handle: str
    credited_as: str | None
    works: tuple[CreditedWork, ...]
    relations: tuple[str, ...]
    distance: int
    explanation: Share

    @property
    def share(self) -> Fraction:
        """The exact share of a payment to the work (reduced when first asked for)."""
        return self.explanation.value

    @property
    def display_name(self) -> str:
        """The name to print: the credited name, or "Anonymous"."""
        return self.credited_as or ANONYMOUS


@dataclass(frozen=True, slots=True)
class Credits:
    """The credits of one work under one policy, as of one log position."""

    work_id: UUID
    title: str
    external_id: str | None
    policy: str
    position: int
    credits: tuple[Credit, ...]

    def __iter__(self) -> Iterator[Credit]:
        return iter(self.credits)

    def __len__(self) -> int:
        return len(self.credits)

    def as_text(self) -> str:
        """One line per contributor, for a terminal or a plain-text page."""
        lines = [f'Credits for "{self.title}" ({self.policy}):']
        for credit in self.credits:
            works = ", ".join(f'"{work.title}"' for work in credit.works)
            lines.append(
                f"  {credit.display_name}: {format_percent(credit.share)}%"
                f" (generation {credit.distance}) for {works}"
            )
        return "\n".join(lines)

    def as_dict(self, *, public: bool = False) -> dict[str, Any]:
        """JSON-ready data; ``public`` leaves out who a no-credit member is."""
        return {
            "work": {"id": str(self.work_id), "external_id": self.external_id, "title": self.title},
            "policy": self.policy,
            "position": self.position,
            "credits": [_credit_dict(credit, public) for credit in self.credits],
        }


def credits_for(
    lineage: LineageGraph, work_id: UUID, policy: RoyaltyPolicy, as_of: int | None = None
) -> Credits:
    """Everyone credited for ``work_id`` (its authors and all its ancestors' authors).

    Raises ``UnknownWorkError`` if the work is not in the lineage at ``as_of``, and
    ``OverAllocationError`` if the policy's declared percentages exceed 100%.
    """
    ancestry = Ancestry(lineage, work_id, as_of)
    members = policy.member_values(ancestry)
    shares = members.shares(ancestry)
    numerators = members.values.numerators
    relations = ancestry.relation_sets
    distances, positions = ancestry.distances, ancestry.positions
    made = ancestry.member_works
    # One record per work, shared by its co-authors' credits.
    lineage, numbers = ancestry.lineage, ancestry.numbers
    credited = list(
        map(
            CreditedWork,
            ancestry.order,
            lineage.external_ids_of(numbers),
            ancestry.titles,
            distances,
            relations,
            lineage.retractions_of(numbers, ancestry.as_of),
        )
    )
    keyed = []
    for index, member in enumerate(members.members):
        works = made[member]
        if len(works) > 1:
            works = sorted(works, key=lambda n: (distances[n], positions[n]))
        member_id = lineage.member_id(member)
        credit = _credit(ancestry, member_id, [credited[n] for n in works], shares[index])
        # Every share is a numerator over one common denominator: comparing the
        # numerators orders the shares without building a Fraction for each.
        keyed.append(((credit.distance, -numerators[index], credit.handle), credit))
    keyed.sort(key=lambda item: item[0])
    return Credits(
        work_id,
        ancestry.titles[0],
        ancestry.external_id_at(0),
        str(policy),
        ancestry.position,
        tuple(credit for _, credit in keyed),
    )


def _credit(ancestry: Ancestry, member: UUID, made: list[CreditedWork], share: Share) -> Credit:
    contributor = ancestry.lineage.contributor(member, ancestry.as_of)
    found = made[0].relations
    if len(made) > 1:
        found = tuple(sorted({relation for work in made for relation in work.relations}))
    return Credit(
        member_id=member,
        external_id=contributor.external_id,
        handle=contributor.handle,
        credited_as=contributor.credited_as,
        works=tuple(made),
        relations=found,
        distance=made[0].distance,
        explanation=share,
    )


def share_dict(share: Fraction) -> dict[str, str]:
    """An exact share for JSON: ``{"fraction": "1/3", "percent": "33.33"}``."""
    return {"fraction": fraction_text(share), "percent": format_percent(share)}


def explanation_dict(share: Share) -> dict[str, Any]:
    """A share's explanation for JSON: the listed paths (work ids), their count, the terms."""
    return {
        "paths": [[str(work) for work in path] for path in share.paths],
        "path_count": share.path_count,
        "terms": list(share.terms),
    }


def _credit_dict(credit: Credit, public: bool) -> dict[str, Any]:
    hidden = public and credit.credited_as is None
    return {
        "member": None if hidden else str(credit.member_id),
        "external_id": None if hidden else credit.external_id,
        "handle": None if hidden else credit.handle,
        "credited_as": credit.credited_as,
        "display_name": credit.display_name,
        "distance": credit.distance,
        "relations": list(credit.relations),
        "share": share_dict(credit.share),
        "works": [
            {
                "id": str(work.work_id),
                "external_id": work.external_id,
                "title": work.title,
                "distance": work.distance,
                "relations": list(work.relations),
                "retracted": work.retracted,
            }
            for work in credit.works
        ],
        "explanation": explanation_dict(credit.explanation),
    }
