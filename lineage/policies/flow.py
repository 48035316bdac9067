"""``flow``: a personalised PageRank from the work back through its sources, in fixed point.

The walk
--------
In the manner of SourceCred's cred, a walker starts at the paid work W; at each
work it restarts at W with probability ``alpha`` (PageRank's teleportation, 1
minus the damping factor) and otherwise steps back to one of the work's sources,
chosen in proportion to the weight of the citation's relation. At an original
(or a work whose sources all weigh 0) it restarts at W. A work's share is the
fraction of time the walker spends on it: the walk's stationary distribution.
Declared royalty percentages play no part.

The lineage is acyclic, so the expected visits per walk (from one start at W to
the next) follow in one pass from W towards the originals, with no iteration
and no convergence rule::

    visits(W) = 1
    visits(A) = sum over citations B -> A of  visits(B) * (1 - alpha) * weight(B -> A) / weight(B)
    share(A)  = visits(A) / sum of all visits

where ``weight(B)`` is the total weight of B's citations. Exactly, these are
fractions whose denominators grow with every generation: over a 10 000-work
lineage, numbers of tens of thousands of digits, and a statement that pays 100
such lineages worked on numbers of their product's size (minutes per statement).

The contract: fixed point, integers only
----------------------------------------
``flow`` therefore computes in integers, as SourceCred moves its integer grain.
Two passes over the ancestry, each work after every work that cites it
(``Ancestry.order``; W is number 0):

1. Visits, in grains of ``2**-VISIT_BITS`` of one visit (``VISIT_BITS`` = 192).
   W holds ``2**192``. Each citation B -> A has a factor ``p/q`` in lowest
   terms, ``(1 - alpha) * weight(B -> A) / weight(B)``, computed exactly from
   the policy's rationals; A receives ``visits(B) * p // q``: each step floors.
   A work's visits are complete before it is read, and integer sums do not
   depend on their order, so the visits are the same whatever order the
   citations are taken in.
2. Shares, in units of ``2**-SHARE_BITS`` of the payment (``SHARE_BITS`` = 128).
   With ``T`` the sum of all visits, every work first gets
   ``visits(A) * 2**128 // T`` units (a floor again). What the floors leave, the
   *dust* (fewer units than there are works), goes to W, whose own authors it
   pays.

So every work's share is an exact multiple of ``2**-128``, the shares sum to
exactly 1, and they are the same on every machine (no floats anywhere). A
member's share is, as under every policy, their works' shares split equally
among each work's authors (so a multiple of ``2**-128`` divided by author
counts), and statements round those to the cent by the largest remainder.

How far from the exact shares: a step's floor loses less than one grain, and a
grain lost at a citation into C would have reached A with a probability of at
most 1, so each work's visits are short of the exact ones by fewer grains than
the lineage has citations (E), and the total by fewer than n * E for n works.
Every share but W's is then within ``2**-128 + n * E * 2**-192`` of the exact
share: below ``2**-127`` while n * E < 2**64 (a lineage of a million works and
ten million citations has n * E below 2**44). W's share, which takes the dust, is
within ``(n - 1) * 2**-127``. On a lineage of at most 128 works every share is
within ``2**-120``.

The passes cost one multiplication and one division of a 200-bit integer by
small ones per citation, then one division per work.

Examples
--------
The two passes with tiny grains (8 visit bits, 4 share bits), on a chain
A -> B -> C paid to C, alpha = 3/20: each step back keeps 17/20 of the visits,
floored (256 x 17/20 = 217.6, 217 x 17/20 = 184.45); the shares floor to 6, 5
and 4 sixteenths, and the one sixteenth left goes to C. Exactly, they would be
400/1029, 340/1029 and 289/1029: 6.22, 5.29 and 4.49 sixteenths.

>>> found = fixed_point_flow([(1,), (2,), ()], [((17, 20),), ((17, 20),), ()], 8, 4)
>>> found.visits, found.total, found.units, found.dust
([256, 217, 184], 657, [7, 5, 4], 1)

The policy itself, on the same chain, with the real grains:

>>> from ledger import Citation, Relation, open_ledger
>>> from lineage.graph import LineageGraph
>>> ledger = open_ledger("memory://")
>>> ana = ledger.register_member(handle="ana").id
>>> a = ledger.contribute(authors=[ana], title="A").id
>>> b = ledger.remix(authors=[ana], title="B", sources=[Citation(a, Relation.EDIT)]).id
>>> c = ledger.remix(authors=[ana], title="C", sources=[Citation(b, Relation.EDIT)]).id
>>> shares = Flow().work_shares(LineageGraph.from_ledger(ledger), c)
>>> [shares[w].numerator_over for w in (c, b, a)] == [
...     (132276916198615534874003734667354018060, 2**128),  # 2 units of dust included
...     (112435378768823204642903174467250915349, 2**128),
...     (95570071953499723946467698297163278047, 2**128),
... ]
True
>>> sum(shares[w].value for w in (c, b, a))
Fraction(1, 1)
>>> exact = {c: Fraction(400, 1029), b: Fraction(340, 1029), a: Fraction(289, 1029)}
>>> [float((shares[w].value - exact[w]) * 2**128) for w in (c, b, a)]  # in units of 2^-128
[1.3022351797862002, -0.8931000971817298, -0.40913508260447035]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import ClassVar, NamedTuple

from lineage.ancestry import Ancestry
from lineage.errors import InvalidPolicyError
from lineage.exact import Over, fraction_text
from lineage.policies.base import RoyaltyPolicy, check_unit_interval
from lineage.policies.shares import WorkValues

__all__ = ["SHARE_BITS", "VISIT_BITS", "Flow", "FlowPass", "fixed_point_flow"]

#: Visits are counted in grains of 2^-VISIT_BITS of one visit of W.
VISIT_BITS = 192
#: Shares are counted in units of 2^-SHARE_BITS of the payment.
SHARE_BITS = 128

#: A citation's factor ``(1 - alpha) * weight / total weight`` as (numerator, denominator).
Factor = tuple[int, int]


class FlowPass(NamedTuple):
    """What ``fixed_point_flow`` found, per work number: visits in grains, shares in units."""

    visits: list[int]
    total: int
    units: list[int]
    dust: int


def fixed_point_flow(
    sources: Sequence[tuple[int, ...]],
    factors: Sequence[tuple[Factor, ...]],
    visit_bits: int = VISIT_BITS,
    share_bits: int = SHARE_BITS,
) -> FlowPass:
    """The two integer passes of ``flow`` (see the module's docstring).

    ``sources[n]`` lists work n's sources by number, every work after every work
    that cites it (W is 0); ``factors[n]`` gives each of those citations' factor
    in lowest terms, or is empty where the walker restarts. The units sum to
    ``2**share_bits``; ``units[0]`` includes the dust. In Python: the C kernels
    belong to another module, and this loop is one multiplication and one
    division of small ints per citation.
    """
    visits = [0] * len(sources)
    if not visits:
        return FlowPass(visits, 0, [], 0)
    visits[0] = 1 << visit_bits
    for number, cited in enumerate(sources):
        here = visits[number]
        if here:
            # An empty ``factors[number]`` (the walker restarts) moves nothing.
            for source, (numerator, denominator) in zip(cited, factors[number], strict=False):
                visits[source] += here * numerator // denominator
    total = sum(visits)
    units = [(visit << share_bits) // total for visit in visits]
    dust = (1 << share_bits) - sum(units)
    units[0] += dust
    return FlowPass(visits, total, units, dust)


@dataclass(frozen=True)
class Flow(RoyaltyPolicy):
    """A graph flow from W back through its sources: personalised PageRank seeded at W,
    in fixed point (multiples of 2^-128 that sum to exactly 1; see ``lineage.policies.flow``).

    Parameters
    ----------
    alpha : Fraction, default 3/20
        The restart probability, from 0 to 1 (0.15 is PageRank's usual 1 - 0.85).
    relation_weights : Mapping[str, Fraction] or None
        Weight per relation name (e.g. ``{"inspiration": Fraction(1, 2)}``); 1 if absent.
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

    def factors(self, relations: tuple[str, ...]) -> tuple[Factor, ...]:
        """The factors of a work's citations, given their relations (empty: it restarts)."""
        weights = [self.weight(relation) for relation in relations]
        total = sum(weights, Fraction(0))
        if not total:
            return ()
        onward = 1 - self.alpha
        return tuple(
            (factor.numerator, factor.denominator)
            for factor in (onward * weight / total for weight in weights)
        )

    def _weighed(self, relations: tuple[str, ...], index: int) -> str:
        """Citation ``index``'s weight over the total of its work's, as words: "1/2"."""
        weights = [self.weight(relation) for relation in relations]
        return f"{fraction_text(weights[index])}/{fraction_text(sum(weights, Fraction(0)))}"

    def work_values(self, ancestry: Ancestry) -> WorkValues:
        # A work's factors depend only on its citations' relations: few distinct tuples.
        factors_of: dict[tuple[str, ...], tuple[Factor, ...]] = {}
        factors: list[tuple[Factor, ...]] = []
        for relations in ancestry.source_relations:
            found = factors_of.get(relations)
            if found is None:
                found = factors_of[relations] = self.factors(relations)
            factors.append(found)
        sources = ancestry.source_index
        walked = fixed_point_flow(sources, factors)
        values = Over(walked.units, 1 << SHARE_BITS, (2,))
        visits = Over(walked.visits, 1 << VISIT_BITS, (2,))
        total = Over([walked.total], 1 << VISIT_BITS, (2,)).text(0)
        onward = fraction_text(1 - self.alpha)
        # A work's visits are written once per citation it makes and once for
        # itself; a citation's weight over its work's total depends only on the
        # work's relations. Both are written once.
        visit_text = cache(visits.text)
        weighed = cache(self._weighed)

        def explain(number: int) -> tuple[str, ...]:
            titles, relations = ancestry.titles, ancestry.source_relations
            terms = [
                f"{onward} x {visit_text(built)}"
                f" x {weighed(relations[built], sources[built].index(number))}"
                f' stepping back from "{titles[built]}"'
                for built in ancestry.derived_index[number]
            ]
            units = walked.units[number]
            if number:
                floored = f"floored to {units} units of 2^-128"
            else:  # W: its own floor, and the dust
                floored = (
                    f"floored to {units - walked.dust} units of 2^-128, plus the dust:"
                    f" the {walked.dust} units that flooring every share left"
                )
            terms.append(f"{visit_text(number)} visits per walk, of {total} in all, {floored}")
            return tuple(terms)

        return WorkValues(values, explain)
