"""``absolute``: Story Protocol's Liquid Absolute Percentage (LAP)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

from lineage.ancestry import Ancestry
from lineage.errors import OverAllocationError
from lineage.exact import Over, primes_of
from lineage.policies.base import (
    RoyaltyPolicy,
    as_percent,
    declared_percents,
    over_allocation_message,
)
from lineage.policies.shares import WorkValues


@dataclass(frozen=True)
class Absolute(RoyaltyPolicy):
    """Absolute percentages per ancestor: Story Protocol's Liquid Absolute Percentage.

    Each ancestor A receives, of a payment P to W, P times the sum over every path
    from W back to A of the royalty percentage on the path's last citation (the
    one of A). W keeps the rest. With ``paths(B)`` the number of paths from W to
    B (1 for W) and ``p(A, B)`` the percentage with which B cites A::

        share(A) = sum over works B that cite A of  paths(B) * p(A, B)
        share(W) = 1 - sum of the ancestors' shares

    ``OverAllocationError`` when the ancestors' shares add up to more than 1.

    Examples
    --------
    B cites A at 5%, C cites B at 10%; of 100 paid to C, C keeps 85, B gets 10, A 5:

    >>> from decimal import Decimal
    >>> from ledger import Citation, Relation, open_ledger
    >>> from lineage.graph import LineageGraph
    >>> ledger = open_ledger("memory://")
    >>> ana = ledger.register_member(handle="ana").id
    >>> a = ledger.contribute(authors=[ana], title="A").id
    >>> cite_a = Citation(a, Relation.EDIT, Decimal(5))
    >>> b = ledger.remix(authors=[ana], title="B", sources=[cite_a]).id
    >>> cite_b = Citation(b, Relation.EDIT, Decimal(10))
    >>> c = ledger.remix(authors=[ana], title="C", sources=[cite_b]).id
    >>> shares = Absolute().work_shares(LineageGraph.from_ledger(ledger), c)
    >>> [100 * shares[w].value for w in (c, b, a)]
    [Fraction(85, 1), Fraction(10, 1), Fraction(5, 1)]
    """

    name: ClassVar[str] = "absolute"

    def work_values(self, ancestry: Ancestry) -> WorkValues:
        # Integers over q, the least common multiple of the percentages' denominators.
        counts = ancestry.path_count_list
        percents = declared_percents(ancestry)
        denominator = math.lcm(*(p.denominator for found in percents for p in found))
        owed = [0] * len(counts)
        for number, found in enumerate(ancestry.source_index):
            paths = counts[number]
            for source, percent in zip(found, percents[number], strict=True):
                if percent:
                    owed[source] += paths * percent.numerator * (denominator // percent.denominator)
        total = sum(owed)
        if total > denominator:
            values = {
                ancestry.order[n]: Fraction(owed[n], denominator) for n in range(1, len(owed))
            }
            raise OverAllocationError(
                over_allocation_message(ancestry, values, Fraction(total, denominator))
            )
        owed[0] = denominator - total
        index = ancestry.source_index

        def explain(number: int) -> tuple[str, ...]:
            titles, derived = ancestry.titles, ancestry.derived_index
            if number == 0:
                rest = Fraction(total, denominator)
                return (f"keeps the rest: 100% - {as_percent(rest)} to its ancestors",)
            return tuple(
                f"{as_percent(percents[built][index[built].index(number)])} cited by"
                f' "{titles[built]}" on {counts[built]} path(s) from the published work'
                for built in derived[number]
            )

        return WorkValues(Over(owed, denominator, primes_of(denominator)), explain)
