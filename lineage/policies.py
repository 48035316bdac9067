"""Royalty policies: how a payment attributed to one work is shared over its lineage.

A policy answers, for a payment P attributed to a work W, which exact fraction of
P each work in W's ancestry earns (W and every work it descends from, through
every path). Five policies, each a small frozen dataclass named in ``POLICIES``:
``equal``, ``decay``, ``absolute`` (Story Protocol's LAP), ``relative`` (its LRP)
and ``flow`` (personalised PageRank, in the manner of SourceCred's cred).

Per work and per member
-----------------------
A policy gives two views of the same split, each summing to exactly 1:

- ``work_shares``: each work's share, with the paths and terms behind it;
- ``member_shares``: each contributor's share, which is what credits and
  statements pay. By default a work's share is split equally among its authors
  and summed per member.

``equal`` is the one policy defined per contributor ("every distinct member of
the lineage gets the same"), so it overrides ``member_shares`` and derives its
per-work view from that: each member's share is spread evenly over the works
they made in the lineage. Splitting those work shares among authors would not
give every member the same share (co-authors may have made different numbers of
works), which is why consumers ask the policy for member shares rather than
splitting work shares themselves.

All arithmetic is on ``fractions.Fraction``; rounding to money happens only in
statements. A citation without a royalty percentage counts as 0%. Retracted
works keep their shares: retraction hides a work from rankings, not from the
credits and royalties of what was built on it.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import ClassVar
from uuid import UUID

from ledger.values import Relation
from lineage.ancestry import MAX_EXPLAINED_PATHS, Ancestry, Path
from lineage.errors import InvalidPolicyError, OverAllocationError, UnknownPolicyError
from lineage.exact import Over, fraction_text, over_fractions, primes_of
from lineage.graph import LineageGraph

__all__ = [
    "POLICIES",
    "Absolute",
    "Decay",
    "Equal",
    "Flow",
    "Relative",
    "RoyaltyPolicy",
    "Share",
    "Shares",
    "parse_fraction",
    "policy_from_name",
]


class PathSource:
    """The paths that explain a share, listed (and counted) only when someone asks.

    Listing paths costs time in the length of each path; for a work at the end
    of a long chain that is quadratic over its ancestry, so a share only keeps
    which works' paths explain it (by number in ``Ancestry.order``), and lists
    them (once) on first use.
    """

    __slots__ = ("_ancestry", "_listed", "_numbers")

    def __init__(self, ancestry: Ancestry, numbers: tuple[int, ...] | list[int]) -> None:
        self._ancestry = ancestry
        self._numbers = numbers
        self._listed: tuple[Path, ...] | None = None

    def paths(self) -> tuple[Path, ...]:
        if self._listed is None:
            found: list[Path] = []
            order = self._ancestry.order
            for number in self._numbers:
                found.extend(self._ancestry.paths(order[number], MAX_EXPLAINED_PATHS - len(found)))
                if len(found) >= MAX_EXPLAINED_PATHS:
                    break
            self._listed = tuple(found)
        return self._listed

    def count(self) -> int:
        """How many paths lead from the published work to the works, in all."""
        counts = self._ancestry.path_count_list
        return sum(counts[number] for number in self._numbers)


#: Spells out the terms behind the value at one index of a family of values.
Explainer = Callable[[int], tuple[str, ...]]


class Share:
    """One exact share of a payment and why.

    ``value`` is the exact share; ``paths`` lists up to ``MAX_EXPLAINED_PATHS`` of
    the ``path_count`` paths from the published work back to the credited
    work(s); ``terms`` says in words which policy terms produced ``value``.

    The value, paths and terms are worked out on first use: a statement or a
    credits list holds thousands of shares, most never printed, and the words of
    a term along a 10 000-work chain hold numbers of thousands of digits.
    """

    __slots__ = ("_explain", "_index", "_terms", "_value", "_values", "path_source")

    def __init__(
        self, values: Over, index: int, path_source: PathSource, explain: Explainer
    ) -> None:
        self._values = values
        self._index = index
        self._value: Fraction | None = None
        self._explain = explain
        self._terms: tuple[str, ...] | None = None
        self.path_source = path_source

    @property
    def path_count(self) -> int:
        return self.path_source.count()

    @property
    def value(self) -> Fraction:
        if self._value is None:
            self._value = self._values.fraction(self._index)
        return self._value

    @property
    def numerator_over(self) -> tuple[int, int]:
        """The share as an integer over the common denominator of its family (not reduced)."""
        return self._values.numerators[self._index], self._values.denominator

    @property
    def terms(self) -> tuple[str, ...]:
        if self._terms is None:
            self._terms = self._explain(self._index)
        return self._terms

    @property
    def paths(self) -> tuple[Path, ...]:
        return self.path_source.paths()

    def __repr__(self) -> str:
        return f"Share({self.value!r}, path_count={self.path_count})"


Shares = dict[UUID, Share]


@dataclass(frozen=True, slots=True)
class WorkValues:
    """Every work's exact share, by its number in ``Ancestry.order``, and its terms on demand."""

    values: Over
    explain: Explainer


@dataclass(frozen=True, slots=True)
class MemberValues:
    """Every contributor's exact share (``members[i]`` gets value ``i``), terms on demand.

    Members are given by number (``LineageGraph.member_number``), in order of
    first appearance from W.
    """

    members: tuple[int, ...]
    values: Over
    explain: Explainer

    def shares(self, ancestry: Ancestry) -> list[Share]:
        """A ``Share`` per member, in the order of ``members``."""
        made = ancestry.member_works
        values, explain = self.values, self.explain
        return [
            Share(values, index, PathSource(ancestry, made[member]), explain)
            for index, member in enumerate(self.members)
        ]


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
        return {
            work: Share(works.values, n, PathSource(ancestry, (n,)), works.explain)
            for n, work in enumerate(ancestry.order)
        }

    def member_shares_in(self, ancestry: Ancestry) -> Shares:
        """Each contributor of ``ancestry`` with their exact share; the shares sum to 1."""
        members = self.member_values(ancestry)
        ids = map(ancestry.lineage.member_id, members.members)
        return dict(zip(ids, members.shares(ancestry), strict=True))

    def member_values(self, ancestry: Ancestry) -> MemberValues:
        """Split each work's share equally among its authors, summed per member."""
        works = self.work_values(ancestry)
        authors = ancestry.author_numbers
        # Over a denominator times every author count, each split is exact.
        spread = math.lcm(*{len(names) for names in authors})
        numerators = works.values.numerators
        made = ancestry.member_works
        members = tuple(made)
        if spread == 1:  # every work has one author: a member's share is their works' sum
            split = [
                numerators[works_of[0]]
                if len(works_of := made[member]) == 1
                else sum(numerators[n] for n in works_of)
                for member in members
            ]
        else:
            split = [
                sum(numerators[n] * (spread // len(authors[n])) for n in made[member])
                for member in members
            ]
        primes = None if works.values.primes is None else primes_of(spread, *works.values.primes)
        values = Over(split, works.values.denominator * spread, primes)

        def explain(index: int) -> tuple[str, ...]:
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


def _as_percent(value: Fraction) -> str:
    """A fraction as an exact percentage for explanations: ``1/8`` -> ``12.5%``.

    >>> _as_percent(Fraction(1, 8)), _as_percent(Fraction(1, 3))
    ('12.5%', '100/3%')
    """
    percent = value * 100
    for digits in range(7):
        scaled = percent * 10**digits
        if scaled.denominator == 1:
            return f"{Decimal(scaled.numerator).scaleb(-digits):f}%"
    return f"{fraction_text(percent)}%"


def _percent(declared: Decimal | None) -> Fraction:
    """A citation's declared royalty percentage as a fraction (a missing one is 0)."""
    return Fraction(0) if declared is None else Fraction(declared) / 100


def _longest_paths(ancestry: Ancestry) -> int:
    """The number of citations on the longest path from W back to an original."""
    depth = [0] * len(ancestry.order)
    for number, sources in enumerate(ancestry.source_index):
        onward = depth[number] + 1
        for source in sources:
            if depth[source] < onward:
                depth[source] = onward
    return max(depth)


# ------------------------------------------------------------------ policies


@dataclass(frozen=True)
class Equal(RoyaltyPolicy):
    """Every distinct contributor to the lineage gets the same share.

    With n distinct authors among W and all its ancestors, each member gets 1/n,
    however many works they made. Per work, a member's 1/n is spread evenly over
    the works they made in the lineage.

    Examples
    --------
    Ana wrote A; Ana and Ben made B from it; Ben made C from B. Two contributors:

    >>> from ledger import Citation, Relation, open_ledger
    >>> ledger = open_ledger("memory://")
    >>> ana, ben = (ledger.register_member(handle=h).id for h in ("ana", "ben"))
    >>> a = ledger.contribute(authors=[ana], title="A").id
    >>> b = ledger.remix(authors=[ana, ben], title="B", sources=[Citation(a, Relation.EDIT)]).id
    >>> c = ledger.remix(authors=[ben], title="C", sources=[Citation(b, Relation.EDIT)]).id
    >>> lineage = LineageGraph.from_ledger(ledger)
    >>> members = Equal().member_shares(lineage, c)
    >>> str(members[ana].value), str(members[ben].value)
    ('1/2', '1/2')
    >>> works = Equal().work_shares(lineage, c)
    >>> [str(works[w].value) for w in (c, b, a)]
    ['1/4', '1/2', '1/4']
    """

    name: ClassVar[str] = "equal"

    def member_values(self, ancestry: Ancestry) -> MemberValues:
        members = tuple(ancestry.member_works)
        count = len(members)
        terms = (
            f'one of {count} contributors to the lineage of "{ancestry.title(ancestry.seed)}"',
        )
        values = Over([1] * count, count, primes_of(count))
        return MemberValues(members, values, lambda _: terms)

    def work_values(self, ancestry: Ancestry) -> WorkValues:
        made = ancestry.member_works
        each = Fraction(1, len(made))
        values = over_fractions(
            sum((each / len(made[author]) for author in authors), Fraction(0))
            for authors in ancestry.author_numbers
        )
        terms = (f"1/{len(made)} of each author, spread over the works they made",)
        return WorkValues(values, lambda _: terms)


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
        _check_unit_interval("decay", "r", self.r)

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
        longest = _longest_paths(ancestry)
        counts = {len(found) for found in sources if found}
        spread = math.lcm(*counts) ** longest
        product = math.prod(len(found) for found in sources if len(found) > 1)
        denominator = base**longest * min(spread, product)
        reach = [0] * len(sources)
        reach[0] = denominator
        kept = [0] * len(sources)
        keeps = base - passes
        # r = 1/2 and a single source (every step of a chain) is a shift: the
        # numerators there have thousands of bits, and a division costs more.
        halves = passes == 1 and base == 2
        for number, found in enumerate(sources):
            here = reach[number]
            if not found:
                kept[number] = here
            elif halves and len(found) == 1:
                half = here >> 1
                reach[found[0]] += half
                kept[number] = half
            else:
                passed = here * passes // (base * len(found))
                for source in found:
                    reach[source] += passed
                kept[number] = here * keeps // base
        primes = primes_of(base, *counts)
        values = Over(kept, denominator, primes)
        reached = Over(reach, denominator, primes)
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
        percents = _percents(ancestry)
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
                _over_allocation(ancestry, values, Fraction(total, denominator))
            )
        owed[0] = denominator - total
        index = ancestry.source_index

        def explain(number: int) -> tuple[str, ...]:
            titles, derived = ancestry.titles, ancestry.derived_index
            if number == 0:
                rest = Fraction(total, denominator)
                return (f"keeps the rest: 100% - {_as_percent(rest)} to its ancestors",)
            return tuple(
                f"{_as_percent(percents[built][index[built].index(number)])} cited by"
                f' "{titles[built]}" on {counts[built]} path(s) from the published work'
                for built in derived[number]
            )

        return WorkValues(Over(owed, denominator, primes_of(denominator)), explain)


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
        percents = _percents(ancestry)
        sources = ancestry.source_index
        q = math.lcm(*(p.denominator for found in percents for p in found))
        denominator = q ** (_longest_paths(ancestry) + 1)
        scaled = [tuple(p.numerator * (q // p.denominator) for p in found) for found in percents]
        reach = [0] * len(sources)
        reach[0] = denominator
        kept = [0] * len(sources)
        for number, found in enumerate(sources):
            here = reach[number]
            owed = sum(scaled[number])
            if owed > q and here > 0:
                work = ancestry.order[number]
                raise OverAllocationError(_over_citation(ancestry, work, Fraction(owed, q)))
            for source, percent in zip(found, scaled[number], strict=True):
                reach[source] += percent * here // q
            kept[number] = here * (q - owed) // q
        primes = primes_of(q)
        reached = Over(reach, denominator, primes)

        def explain(number: int) -> tuple[str, ...]:
            titles, derived = ancestry.titles, ancestry.derived_index
            terms = [
                f"{_as_percent(percents[built][sources[built].index(number)])} of the"
                f' {reached.text(built)} reaching "{titles[built]}"'
                for built in derived[number]
            ]
            keeps = 1 - sum(percents[number], Fraction(0))
            terms.append(f"keeps {_as_percent(keeps)} of the {reached.text(number)} reaching it")
            return tuple(terms)

        return WorkValues(Over(kept, denominator, primes), explain)


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
        _check_unit_interval("flow", "alpha", self.alpha)
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
            terms = [
                f"{onward} x {visits[built]} x {weights[built][sources[built].index(number)]}/"
                f'{totals[built]} stepping back from "{titles[built]}"'
                for built in derived[number]
            ]
            terms.append(f"{visits[number]} visits per walk, of {all_visits} in all")
            return tuple(terms)

        return WorkValues(values, explain)


# ------------------------------------------------------------------ registry

#: The policies by name, for the CLI, the API and the PolicyChosen event.
POLICIES: dict[str, type[RoyaltyPolicy]] = {
    policy.name: policy for policy in (Equal, Decay, Absolute, Relative, Flow)
}
_PARAMETERS = {"equal": (), "decay": ("r",), "absolute": (), "relative": (), "flow": ("alpha",)}
_WEIGHT = "weight_"


def policy_from_name(name: str, **params: object) -> RoyaltyPolicy:
    """The policy named ``name``, with parameters given as exact numbers or strings.

    A parameter given as None takes its default; floats are refused as inexact.
    ``flow`` also takes ``weight_<relation>`` parameters, its relation weights.

    >>> policy_from_name("decay", r="0.3")
    Decay(r=Fraction(3, 10))
    >>> str(policy_from_name("flow", alpha="1/10", weight_inspiration="1/2"))
    'flow(alpha=1/10, weight_inspiration=1/2)'
    """
    key = name.strip().lower()
    if key not in POLICIES:
        known = ", ".join(POLICIES)
        raise UnknownPolicyError(f"royalty policy {name!r} is not one of: {known}")
    given: dict[str, Fraction] = {}
    weights: dict[str, Fraction] = {}
    for param, value in params.items():
        if value is None:
            continue
        number = parse_fraction(value, f"{key} {param}")
        if key == "flow" and param.startswith(_WEIGHT):
            weights[_relation(param.removeprefix(_WEIGHT))] = number
        elif param in _PARAMETERS[key]:
            given[param] = number
        else:
            allowed = _PARAMETERS[key]
            takes = f"takes only {', '.join(allowed)}" if allowed else "takes no parameters"
            raise InvalidPolicyError(f"royalty policy {key!r} {takes}, not {param!r}")
    if weights:
        return Flow(relation_weights=weights, **given)
    return POLICIES[key](**given)


def _relation(name: str) -> str:
    if name not in {relation.value for relation in Relation}:
        known = ", ".join(relation.value for relation in Relation)
        raise InvalidPolicyError(f"flow: {name!r} is not a relation; relations are {known}")
    return name


def parse_fraction(value: object, what: str) -> Fraction:
    """Read an exact number: a Fraction, int, Decimal, or a string like "1/2" or "0.3"."""
    if isinstance(value, float | bool) or not isinstance(value, str | int | Fraction | Decimal):
        raise InvalidPolicyError(f'{what} {value!r} must be exact, such as "1/2" or "0.3"')
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise InvalidPolicyError(
            f'{what} {value!r} is not a number such as "1/2" or "0.3"'
        ) from None


def _percents(ancestry: Ancestry) -> list[tuple[Fraction, ...]]:
    """Per work number: the declared percentages of its citations, as fractions."""
    known: dict[Decimal | None, Fraction] = {}
    found: list[tuple[Fraction, ...]] = []
    for declared in ancestry.source_percents:
        for percent in declared:
            if percent not in known:
                known[percent] = _percent(percent)
        found.append(tuple(known[percent] for percent in declared))
    return found


def _check_unit_interval(policy: str, param: str, value: Fraction) -> None:
    if not isinstance(value, Fraction | int) or not 0 <= value <= 1:
        raise InvalidPolicyError(f"{policy}: {param} must be a fraction from 0 to 1, not {value}")


def _over_allocation(ancestry: Ancestry, owed: dict[UUID, Fraction], total: Fraction) -> str:
    named = sorted(owed, key=lambda work: (-owed[work], ancestry.sort_key(work)))
    listed = ", ".join(f'"{ancestry.title(w)}" {_as_percent(owed[w])}' for w in named if owed[w])
    return (
        f'royalty percentages in the lineage of "{ancestry.title(ancestry.seed)}" entitle its'
        f" ancestors to {_as_percent(total)} of a payment: {listed}"
    )


def _over_citation(ancestry: Ancestry, work: UUID, owed: Fraction) -> str:
    sources = ", ".join(
        f'"{ancestry.title(s)}" {_as_percent(ancestry.percent(s, work))}'
        for s in ancestry.sources[work]
    )
    return (
        f'"{ancestry.title(work)}", in the lineage of "{ancestry.title(ancestry.seed)}", owes its'
        f" sources {_as_percent(owed)} of what it receives: {sources}"
    )
