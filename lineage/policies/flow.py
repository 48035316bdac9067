"""``flow``: a personalised PageRank from the work back through its sources."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import ClassVar

from lineage.ancestry import Ancestry
from lineage.errors import InvalidPolicyError
from lineage.exact import Over, fraction_text, primes_of, reduced, term_text
from lineage.policies.base import (
    RoyaltyPolicy,
    check_unit_interval,
    longest_path_length,
)
from lineage.policies.shares import WorkValues


@dataclass(frozen=True)
class Flow(RoyaltyPolicy):
    """A graph flow from W back through its sources: personalised PageRank seeded at W.

    In the manner of SourceCred's cred, a walker starts at W; at each work it
    restarts at W with probability ``alpha`` (PageRank's teleportation, 1 minus
    the damping factor) and otherwise steps back to one of the work's sources,
    chosen in proportion to the weight of the citation's relation (all 1 unless
    ``relation_weights`` says otherwise). At an original (or a work whose sources
    all weigh 0) it restarts at W. A work's share is the fraction of time the
    walker spends on it: the walk's stationary distribution, which uses no
    declared percentages.

    The lineage is acyclic, so the expected visits per walk are exact in one pass
    from W, with no iteration::

        visits(W) = 1
        visits(A) = sum over works B that cite A of
                    (1 - alpha) * visits(B) * weight(A, B) / total weight of B's sources
        share(A)  = visits(A) / sum of all visits

    Parameters
    ----------
    alpha : Fraction, default 3/20
        The restart probability, from 0 to 1 (0.15 is PageRank's usual 1 - 0.85).
    relation_weights : Mapping[str, Fraction] or None
        Weight per relation name (e.g. ``{"inspiration": Fraction(1, 2)}``); 1 if absent.

    Examples
    --------
    A chain A -> B -> C paid to C: visits 1, 17/20 and 289/400, 1029/400 in all:

    >>> from ledger import Citation, Relation, open_ledger
    >>> from lineage.graph import LineageGraph
    >>> ledger = open_ledger("memory://")
    >>> ana = ledger.register_member(handle="ana").id
    >>> a = ledger.contribute(authors=[ana], title="A").id
    >>> b = ledger.remix(authors=[ana], title="B", sources=[Citation(a, Relation.EDIT)]).id
    >>> c = ledger.remix(authors=[ana], title="C", sources=[Citation(b, Relation.EDIT)]).id
    >>> shares = Flow().work_shares(LineageGraph.from_ledger(ledger), c)
    >>> [str(shares[w].value) for w in (c, b, a)]
    ['400/1029', '340/1029', '289/1029']
    """

    alpha: Fraction = Fraction(3, 20)
    relation_weights: Mapping[str, Fraction] | None = None
    name: ClassVar[str] = "flow"

    def __post_init__(self) -> None:
        check_unit_interval("flow", "alpha", self.alpha)
        if any(weight < 0 for weight in (self.relation_weights or {}).values()):
            raise InvalidPolicyError("flow: relation weights must not be negative")

    def __hash__(self) -> int:
        return hash((self.alpha, tuple(sorted((self.relation_weights or {}).items()))))

    def params(self) -> dict[str, str]:
        weights = {f"weight_{k}": str(v) for k, v in sorted((self.relation_weights or {}).items())}
        return {"alpha": str(self.alpha), **weights}

    def weight(self, relation: str) -> Fraction:
        return Fraction((self.relation_weights or {}).get(relation, 1))

    def work_values(self, ancestry: Ancestry) -> WorkValues:
        # Exact integers over one denominator D chosen up front, as ``decay`` does
        # (``lineage.exact``): a step back along a citation multiplies by the factor
        # (1 - alpha) * weight / total weight, so with m the least common multiple
        # of the factors' denominators and L the longest path, D = m^L makes every
        # visit count below an integer, and a work with sources holds a multiple
        # of m (its paths from W are shorter than L). Fractions all the way, as
        # this was, reduce by a gcd of numbers of thousands of bits at each step:
        # 34 s for a 10 000-work lineage.
        sources = ancestry.source_index
        onward = 1 - self.alpha
        # The factors of a work's citations depend only on their relations.
        factors_of: dict[tuple[str, ...], tuple[Fraction, ...]] = {}
        factors: list[tuple[Fraction, ...]] = []
        for relations in ancestry.source_relations:
            found = factors_of.get(relations)
            if found is None:
                weights = [self.weight(relation) for relation in relations]
                total = sum(weights, Fraction(0))
                found = factors_of[relations] = (
                    tuple(onward * weight / total for weight in weights) if total else ()
                )
            factors.append(found)
        step = math.lcm(*{f.denominator for found in factors_of.values() for f in found})
        denominator = step ** longest_path_length(ancestry)
        visits = [0] * len(sources)
        visits[0] = denominator
        for number, cited in enumerate(sources):
            here = visits[number]
            if not here:
                continue
            # Only a work whose weights are all 0 has no factors: the walker restarts.
            for source, factor in zip(cited, factors[number], strict=False):
                visits[source] += here // factor.denominator * factor.numerator
        all_visits = sum(visits)
        values = Over(visits, all_visits, None)
        reached = Over(visits, denominator, primes_of(step))
        weight = self.weight

        @cache
        def total_text() -> str:  # thousands of digits on a deep chain: written once
            return term_text(reduced(all_visits, denominator, reached.primes))

        def explain(number: int) -> tuple[str, ...]:
            titles, derived, relations = (
                ancestry.titles,
                ancestry.derived_index,
                ancestry.source_relations,
            )
            text = fraction_text  # of the policy's own (short) numbers
            terms = []
            for built in derived[number]:
                weights = [weight(relation) for relation in relations[built]]
                mine = weights[sources[built].index(number)]
                terms.append(
                    f"{text(onward)} x {reached.text(built)}"
                    f" x {text(mine)}/{text(sum(weights, Fraction(0)))}"
                    f' stepping back from "{titles[built]}"'
                )
            terms.append(f"{reached.text(number)} visits per walk, of {total_text()} in all")
            return tuple(terms)

        return WorkValues(values, explain)
