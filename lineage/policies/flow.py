"""``flow``: a personalised PageRank from the work back through its sources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

from lineage.ancestry import Ancestry
from lineage.errors import InvalidPolicyError
from lineage.exact import fraction_text, over_fractions
from lineage.policies.base import (
    RoyaltyPolicy,
    check_unit_interval,
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
        # Weights are any fractions, so this pass stays in Fractions.
        sources = ancestry.source_index
        weights = [
            tuple(self.weight(relation) for relation in relations)
            for relations in ancestry.source_relations
        ]
        totals = [sum(found, Fraction(0)) for found in weights]
        visits = [Fraction(0)] * len(sources)
        visits[0] = Fraction(1)
        onward = 1 - self.alpha
        for number, found in enumerate(sources):
            total = totals[number]
            if total:
                for source, weight in zip(found, weights[number], strict=True):
                    visits[source] += onward * visits[number] * weight / total
        all_visits = sum(visits, Fraction(0))
        values = over_fractions(visit / all_visits for visit in visits)

        def explain(number: int) -> tuple[str, ...]:
            titles, derived = ancestry.titles, ancestry.derived_index
            text = fraction_text  # visits can outgrow str()'s digit limit on deep chains
            terms = [
                f"{text(onward)} x {text(visits[built])}"
                f" x {text(weights[built][sources[built].index(number)])}/"
                f'{text(totals[built])} stepping back from "{titles[built]}"'
                for built in derived[number]
            ]
            terms.append(f"{text(visits[number])} visits per walk, of {text(all_visits)} in all")
            return tuple(terms)

        return WorkValues(values, explain)
