"""``decay(r)``: each work keeps 1 - r of what reaches it and passes r on."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

from lineage.ancestry import Ancestry
from lineage.exact import Over, fraction_text, primes_of
from lineage.kernels import pass_on
from lineage.policies.base import (
    RoyaltyPolicy,
    check_unit_interval,
    longest_path_length,
)
from lineage.policies.shares import WorkValues


@dataclass(frozen=True)
class Decay(RoyaltyPolicy):
    """Geometric decay per generation: each work keeps ``1 - r`` and passes ``r`` on.

    The payment reaches W whole. A work with sources keeps ``1 - r`` of what
    reaches it and passes ``r`` on, split equally among its sources; an original
    keeps all that reaches it. With ``n(B)`` the number of sources of B::

        reach(W) = 1
        reach(A) = sum over works B that cite A of  r * reach(B) / n(B)
        share(A) = (1 - r) * reach(A)   if A has sources, else reach(A)

    Parameters
    ----------
    r : Fraction, default 1/2
        The part of what reaches a work that it passes on; from 0 to 1.

    Examples
    --------
    A chain A -> B -> C paid to C halves each generation; the original keeps the rest:

    >>> from ledger import Citation, Relation, open_ledger
    >>> from lineage.graph import LineageGraph
    >>> ledger = open_ledger("memory://")
    >>> ana = ledger.register_member(handle="ana").id
    >>> a = ledger.contribute(authors=[ana], title="A").id
    >>> b = ledger.remix(authors=[ana], title="B", sources=[Citation(a, Relation.EDIT)]).id
    >>> c = ledger.remix(authors=[ana], title="C", sources=[Citation(b, Relation.EDIT)]).id
    >>> shares = Decay().work_shares(LineageGraph.from_ledger(ledger), c)
    >>> [str(shares[w].value) for w in (c, b, a)]
    ['1/2', '1/4', '1/4']
    """

    r: Fraction = Fraction(1, 2)
    name: ClassVar[str] = "decay"

    def __post_init__(self) -> None:
        check_unit_interval("decay", "r", self.r)

    def params(self) -> dict[str, str]:
        return {"r": str(self.r)}

    def work_values(self, ancestry: Ancestry) -> WorkValues:
        # Exact integers over one denominator D chosen up front: a path of k
        # citations brings a term whose denominator divides b^k times the source
        # counts of the works on it (r = a/b), so D = b^L * m^L, with L the
        # longest path and m the least common multiple of the source counts,
        # makes every value below an integer (the product of all source counts
        # over all works would do too; the smaller of the two is taken).
        passes, base = self.r.numerator, self.r.denominator
        sources = ancestry.source_index
        longest = longest_path_length(ancestry)
        counts = Counter(map(len, sources))  # how many works have each number of sources
        del counts[0]
        spread = math.lcm(*counts) ** longest
        product = math.prod(count**works for count, works in counts.items())
        denominator = base**longest * min(spread, product)
        # Binary-scaled (see ``pass_on``): along a chain the values are powers of two.
        kept, kept_shifts, reach, reach_shifts = pass_on(sources, denominator, passes, base)
        primes = primes_of(base, *counts)
        values = Over(kept, denominator, primes, kept_shifts)
        reached = Over(reach, denominator, primes, reach_shifts)
        r = self.r

        def explain(number: int) -> tuple[str, ...]:
            titles, derived = ancestry.titles, ancestry.derived_index
            terms = [
                f"{fraction_text(r)} x {reached.text(built)} / {len(sources[built])} passed on by"
                f' "{titles[built]}"'
                for built in derived[number]
            ]
            if sources[number]:
                kept = fraction_text(1 - r)
                terms.append(f"keeps {kept} of the {reached.text(number)} reaching it")
            else:
                terms.append(f"keeps all of the {reached.text(number)} reaching it (an original)")
            return tuple(terms)

        return WorkValues(values, explain)
