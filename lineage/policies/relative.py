"""``relative``: Story Protocol's Liquid Relative Percentage (LRP)."""

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
    longest_path_length,
    over_citation_message,
)
from lineage.policies.shares import WorkValues


@dataclass(frozen=True)
class Relative(RoyaltyPolicy):
    """Percentages compounding along paths: Story Protocol's Liquid Relative Percentage.

    A work citing a source at p% owes it p% of everything the work receives, and
    passes on what its own ancestors are owed. What reaches each work is::

        reach(W) = 1
        reach(A) = sum over works B that cite A of  p(A, B) * reach(B)

    that is, the sum over paths of the product of the percentages on the path; a
    work keeps what reaches it less what it owes its sources::

        share(A) = reach(A) * (1 - sum of p(S, A) over A's sources S)

    ``OverAllocationError`` when a work that receives anything cites sources at
    more than 100% in all.

    Examples
    --------
    B cites A at 5%, C cites B at 10%; of 100 paid to C, C keeps 90, B 9.5, A 0.5:

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
    >>> shares = Relative().work_shares(LineageGraph.from_ledger(ledger), c)
    >>> [float(100 * shares[w].value) for w in (c, b, a)]
    [90.0, 9.5, 0.5]
    """

    name: ClassVar[str] = "relative"

    def work_values(self, ancestry: Ancestry) -> WorkValues:
        # Integers over q^(L+1): q the least common multiple of the percentages'
        # denominators, L the longest path; a path of k citations brings a term
        # over q^k, and keeping (1 - owed) one more q.
        percents = declared_percents(ancestry)
        sources = ancestry.source_index
        q = math.lcm(*(p.denominator for found in percents for p in found))
        denominator = q ** (longest_path_length(ancestry) + 1)
        scaled = [tuple(p.numerator * (q // p.denominator) for p in found) for found in percents]
        reach = [0] * len(sources)
        reach[0] = denominator
        kept = [0] * len(sources)
        for number, found in enumerate(sources):
            here = reach[number]
            owed = sum(scaled[number])
            if owed > q and here > 0:
                work = ancestry.order[number]
                raise OverAllocationError(over_citation_message(ancestry, work, Fraction(owed, q)))
            for source, percent in zip(found, scaled[number], strict=True):
                reach[source] += percent * here // q
            kept[number] = here * (q - owed) // q
        primes = primes_of(q)
        reached = Over(reach, denominator, primes)

        def explain(number: int) -> tuple[str, ...]:
            titles, derived = ancestry.titles, ancestry.derived_index
            terms = [
                f"{as_percent(percents[built][sources[built].index(number)])} of the"
                f' {reached.text(built)} reaching "{titles[built]}"'
                for built in derived[number]
            ]
            keeps = 1 - sum(percents[number], Fraction(0))
            terms.append(f"keeps {as_percent(keeps)} of the {reached.text(number)} reaching it")
            return tuple(terms)

        return WorkValues(Over(kept, denominator, primes), explain)
