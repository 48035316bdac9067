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

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple
from uuid import UUID

from ledger.adapters.collector import collector_paused
from lineage.ancestry import Ancestry
from lineage.exact import fraction_text
from lineage.graph import LineageGraph
from lineage.kernels import gather_sorted, group_mins, group_ors, rank, records
from lineage.policies import RoyaltyPolicy, Share
from lineage.rounding import format_percent, format_percent_over

__all__ = [
    "ANONYMOUS",
    "WORKS_SHOWN",
    "Credit",
    "CreditedWork",
    "Credits",
    "credits_for",
    "explanation_dict",
    "share_dict",
    "works_listed",
]

#: How a member who asked for no credit is shown.
ANONYMOUS = "Anonymous"

#: How many of a contributor's works a text line names before "and N more".
WORKS_SHOWN = 3


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


class Credit(NamedTuple):
    """One contributor to a work's lineage.

    A named tuple, like ``CreditedWork``: a 10 000-work lineage has thousands
    of contributors, and a tuple is built several times faster than a frozen
    dataclass.
    """

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
    def percent(self) -> str:
        """The share as a percentage to two decimals (see ``format_percent``)."""
        return format_percent_over(*self.explanation.numerator_over)

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

    def as_text(self, *, works_shown: int | None = WORKS_SHOWN) -> str:
        """One line per contributor, for a terminal or a plain-text page.

        Each line names at most ``works_shown`` of the contributor's works (the
        nearest first) and says how many more there are; None names them all.
        A retracted work is marked so.
        """
        lines = [f'Credits for "{self.title}" ({self.policy}):']
        for credit in self.credits:
            works = works_listed(credit.works, works_shown, lambda work: f'"{work.title}"')
            lines.append(
                f"  {credit.display_name}: {credit.percent}%"
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
    # Tens of thousands of records for a long lineage, and no reference cycles:
    # the cyclic collector would only walk them (and everything else alive) again.
    with collector_paused():
        return _credits_for(lineage, work_id, policy, as_of)


def _credits_for(
    lineage: LineageGraph, work_id: UUID, policy: RoyaltyPolicy, as_of: int | None
) -> Credits:
    ancestry = Ancestry(lineage, work_id, as_of)
    members = policy.member_values(ancestry)
    shares = members.shares(ancestry)
    distances = ancestry.distances
    made = ancestry.member_works
    numbers = ancestry.numbers
    # One record per work, shared by its co-authors' credits; built column-wise
    # (see ``records``: the fields are ids, strings, numbers and a tuple of
    # strings, nothing that could lead back to a record).
    credited = records(
        CreditedWork,
        (
            ancestry.order,
            lineage.external_ids_of(numbers),
            ancestry.titles,
            distances,
            ancestry.relation_sets,
            lineage.retractions_of(numbers, ancestry.as_of),
        ),
    )
    heads = lineage.credit_heads_of(members.members, as_of)
    # Column by column, each in one C-level pass (see lineage.kernels): a
    # contributor's works nearest to W first (then the earliest recorded), the
    # relations of all their works, and their distance (their nearest work's).
    groups = list(map(made.__getitem__, members.members))
    key, later_first = ancestry.nearest_first
    works = gather_sorted(credited, groups, key, True, later_first)
    masks = group_ors(ancestry.relation_masks, groups)
    spelled = {mask: ancestry.spell_relations(mask) for mask in set(masks)}
    distances_of = group_mins(distances, groups)
    # Every work has an author, so there is at least one head to transpose.
    member_ids, external_ids, handles, credited_as = zip(*heads, strict=True)
    # (member id, external id, handle, credited as, works, relations, distance,
    # share): a share refers to its family of shares and the ancestry, never to
    # a credit, so these records cannot be in a cycle either (see ``records``).
    listed = records(
        Credit,
        (
            member_ids,
            external_ids,
            handles,
            credited_as,
            works,
            list(map(spelled.__getitem__, masks)),
            distances_of,
            shares,
        ),
    )
    # By distance, then share (largest first), then handle. Every share is a
    # numerator over one common denominator, so the numerators order the shares
    # without building a Fraction for each (binary-scaled ones without writing
    # them out: see ``Over``).
    values = members.values
    ranked = rank(distances_of, values.mantissas, values.shifts, handles)
    return Credits(
        work_id,
        ancestry.titles[0],
        ancestry.external_id_at(0),
        str(policy),
        ancestry.position,
        tuple(map(listed.__getitem__, ranked)),
    )


def works_listed(
    works: Sequence[CreditedWork], shown: int | None, title: Callable[[CreditedWork], str]
) -> str:
    """``"A", "B" (retracted), "C" and 169 more``: the first ``shown`` works, then a count."""
    named = works if shown is None else works[:shown]
    listed = ", ".join(title(w) + (" (retracted)" if w.retracted else "") for w in named)
    hidden = len(works) - len(named)
    return f"{listed} and {hidden} more" if hidden else listed


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
