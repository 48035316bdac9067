"""What every royalty policy is, and the helpers they share."""

from __future__ import annotations

import math
import operator
from abc import ABC, abstractmethod
from decimal import Decimal
from fractions import Fraction
from typing import ClassVar
from uuid import UUID

from ledger.domain.numbers import check_decimal_size
from lineage.ancestry import Ancestry
from lineage.errors import InvalidPolicyError
from lineage.exact import Over, fraction_text, primes_of
from lineage.graph import LineageGraph
from lineage.kernels import group_scaled_sums, group_sums, longest_path
from lineage.policies.shares import MemberValues, ShareFamily, Shares, WorkValues


class RoyaltyPolicy(ABC):
    """How a payment attributed to one work is shared over that work's ancestry.

    Subclasses implement ``work_values``; ``equal`` also overrides
    ``member_values``. ``name`` is the registry name and ``params`` the
    parameters that, with it, rebuild the policy (``policy_from_name``).
    """

    name: ClassVar[str]

    @abstractmethod
    def work_values(self, ancestry: Ancestry) -> WorkValues:
        """Each work of ``ancestry`` (by number) with its exact share; the shares sum to 1."""

    def params(self) -> dict[str, str]:
        """The policy's parameters as strings (empty when it has none)."""
        return {}

    def __str__(self) -> str:
        params = ", ".join(f"{key}={value}" for key, value in self.params().items())
        return f"{self.name}({params})" if params else self.name

    def as_dict(self) -> dict[str, str]:
        """The policy as JSON-ready data, e.g. ``{"name": "decay", "r": "1/2"}``."""
        return {"name": self.name, **self.params()}

    def work_shares(self, lineage: LineageGraph, work_id: UUID, as_of: int | None = None) -> Shares:
        """Each work in ``work_id``'s lineage (itself included) with its exact share."""
        return self.work_shares_in(Ancestry(lineage, work_id, as_of))

    def member_shares(
        self, lineage: LineageGraph, work_id: UUID, as_of: int | None = None
    ) -> Shares:
        """Each contributor to ``work_id``'s lineage with their exact share."""
        return self.member_shares_in(Ancestry(lineage, work_id, as_of))

    def work_shares_in(self, ancestry: Ancestry) -> Shares:
        """Each work of ``ancestry`` with its exact share; the shares sum to 1."""
        works = self.work_values(ancestry)
        family = ShareFamily(works.values, ancestry, _alone, works.explain)
        return dict(zip(ancestry.order, family.shares(), strict=True))

    def member_shares_in(self, ancestry: Ancestry) -> Shares:
        """Each contributor of ``ancestry`` with their exact share; the shares sum to 1."""
        members = self.member_values(ancestry)
        ids = map(ancestry.lineage.member_id, members.members)
        return dict(zip(ids, members.shares(ancestry), strict=True))

    def member_values(self, ancestry: Ancestry) -> MemberValues:
        """Split each work's share equally among its authors, summed per member."""
        works = self.work_values(ancestry)
        # Over a denominator times every author count, each split is exact.
        if ancestry.single_authored:
            spread = 1
        else:
            spread = math.lcm(*{len(names) for names in ancestry.author_numbers})
        made = ancestry.member_works
        members = tuple(made)
        groups = list(made.values())
        mantissas, shifts = works.values.mantissas, works.values.shifts
        if spread != 1:  # a co-authored work's share, split: times spread / its author count
            factors = [spread // len(authors) for authors in ancestry.author_numbers]
            mantissas = list(map(operator.mul, mantissas, factors))
        primes = None if works.values.primes is None else primes_of(spread, *works.values.primes)
        denominator = works.values.denominator * spread
        # A member's share is the sum of their works' (split) shares.
        if shifts is None:
            values = Over(group_sums(mantissas, groups), denominator, primes)
        else:
            sums, sum_shifts = group_scaled_sums(mantissas, shifts, groups)
            values = Over(sums, denominator, primes, sum_shifts)

        def explain(index: int) -> tuple[str, ...]:
            authors = ancestry.author_numbers
            terms: list[str] = []
            for n in made[members[index]]:
                count = len(authors[n])
                split = "" if count == 1 else f", split among its {count} authors"
                terms.append(
                    f'"{ancestry.titles[n]}" earns {works.values.text(n)}{split}: '
                    + "; ".join(works.explain(n))
                )
            return tuple(terms)

        return MemberValues(members, values, explain)


def _alone(number: int) -> tuple[int]:
    # A work's share is explained by the paths to that work alone.
    return (number,)


def as_percent(value: Fraction) -> str:
    """A fraction as an exact percentage for explanations: ``1/8`` -> ``12.5%``.

    >>> as_percent(Fraction(1, 8)), as_percent(Fraction(1, 3))
    ('12.5%', '100/3%')
    """
    percent = value * 100
    for digits in range(7):
        scaled = percent * 10**digits
        if scaled.denominator == 1:
            return f"{Decimal(scaled.numerator).scaleb(-digits):f}%"
    return f"{fraction_text(percent)}%"


def declared_percent(declared: Decimal | None) -> Fraction:
    """A citation's declared royalty percentage as a fraction (a missing one is 0).

    Checked again as read back: a percentage recorded before numbers were bounded
    (``1E-5000``) is refused, naming it, before any arithmetic.
    """
    if declared is None:
        return Fraction(0)
    return Fraction(check_decimal_size(declared, "the recorded royalty_percent")) / 100


def longest_path_length(ancestry: Ancestry) -> int:
    """The number of citations on the longest path from W back to an original."""
    return longest_path(ancestry.source_index)


def declared_percents(ancestry: Ancestry) -> list[tuple[Fraction, ...]]:
    """Per work number: the declared percentages of its citations, as fractions."""
    known: dict[Decimal | None, Fraction] = {}
    found: list[tuple[Fraction, ...]] = []
    for declared in ancestry.source_percents:
        for percent in declared:
            if percent not in known:
                known[percent] = declared_percent(percent)
        found.append(tuple(known[percent] for percent in declared))
    return found


def check_unit_interval(policy: str, param: str, value: Fraction) -> None:
    if not isinstance(value, Fraction | int) or not 0 <= value <= 1:
        raise InvalidPolicyError(f"{policy}: {param} must be a fraction from 0 to 1, not {value}")


#: An over-allocation error names at most this many works (the largest claims).
MAX_NAMED_WORKS = 10


def over_allocation_message(ancestry: Ancestry, owed: dict[UUID, Fraction], total: Fraction) -> str:
    claims = [work for work in owed if owed[work]]
    named = sorted(claims, key=lambda work: (-owed[work], ancestry.sort_key(work)))
    listed = ", ".join(
        f'"{ancestry.title(w)}" {as_percent(owed[w])}' for w in named[:MAX_NAMED_WORKS]
    )
    if len(named) > MAX_NAMED_WORKS:
        listed += f", and {len(named) - MAX_NAMED_WORKS} more works"
    return (
        f'royalty percentages in the lineage of "{ancestry.title(ancestry.seed)}" entitle its'
        f" ancestors to {as_percent(total)} of a payment: {listed}"
    )


def over_citation_message(ancestry: Ancestry, work: UUID, owed: Fraction) -> str:
    sources = ", ".join(
        f'"{ancestry.title(s)}" {as_percent(ancestry.percent(s, work))}'
        for s in ancestry.sources[work]
    )
    return (
        f'"{ancestry.title(work)}", in the lineage of "{ancestry.title(ancestry.seed)}", owes its'
        f" sources {as_percent(owed)} of what it receives: {sources}"
    )
