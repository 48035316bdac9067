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

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import ClassVar
from uuid import UUID

from ledger.values import Relation
from lineage.ancestry import MAX_EXPLAINED_PATHS, Ancestry, Path
from lineage.errors import InvalidPolicyError, OverAllocationError, UnknownPolicyError
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
    """The paths that explain a share, listed only when someone asks for them.

    Listing paths costs time in the length of each path; for a work at the end
    of a long chain that is quadratic over its ancestry, so a share only keeps
    which works' paths explain it, and lists them (once) on first use.
    """

    __slots__ = ("_ancestry", "_listed", "_works")

    def __init__(
        self,
        ancestry: Ancestry | None,
        works: tuple[UUID, ...],
        listed: tuple[Path, ...] | None = None,
    ) -> None:
        self._ancestry = ancestry
        self._works = works
        self._listed = listed

    def paths(self) -> tuple[Path, ...]:
        if self._listed is None:
            assert self._ancestry is not None
            found: list[Path] = []
            for work in self._works:
                found.extend(self._ancestry.paths(work, MAX_EXPLAINED_PATHS - len(found)))
                if len(found) >= MAX_EXPLAINED_PATHS:
                    break
            self._listed = tuple(found)
        return self._listed


@dataclass(frozen=True, slots=True)
class Share:
    """One exact share of a payment and why.

    ``paths`` lists up to ``MAX_EXPLAINED_PATHS`` of the ``path_count`` paths from
    the published work back to the credited work(s); ``terms`` says in words
    which policy terms produced ``value``.
    """

    value: Fraction
    path_source: PathSource
    path_count: int
    terms: tuple[str, ...]

    @property
    def paths(self) -> tuple[Path, ...]:
        return self.path_source.paths()


Shares = dict[UUID, Share]


class RoyaltyPolicy(ABC):
    """How a payment attributed to one work is shared over that work's ancestry.

    Subclasses implement ``work_shares_in``; ``equal`` also overrides
    ``member_shares_in``. ``name`` is the registry name and ``params`` the
    parameters that, with it, rebuild the policy (``policy_from_name``).
    """

    name: ClassVar[str]

    @abstractmethod
    def work_shares_in(self, ancestry: Ancestry) -> Shares:
        """Each work of ``ancestry`` with its exact share; the shares sum to 1."""

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

    def member_shares_in(self, ancestry: Ancestry) -> Shares:
        """Split each work's share equally among its authors, summed per member."""
        shares = self.work_shares_in(ancestry)
        found: Shares = {}
        for member, works in ancestry.works_by.items():
            value = Fraction(0)
            terms: list[str] = []
            for work in works:
                authors = len(ancestry.authors(work))
                value += shares[work].value / authors
                split = "" if authors == 1 else f", split among its {authors} authors"
                terms.append(
                    f'"{ancestry.title(work)}" earns {shares[work].value}{split}: '
                    + "; ".join(shares[work].terms)
                )
            paths = PathSource(ancestry, tuple(works))
            count = sum(ancestry.path_counts[w] for w in works)
            found[member] = Share(value, paths, count, tuple(terms))
        return found


def _share_of(
    ancestry: Ancestry, work: UUID, value: Fraction, terms: list[str] | tuple[str, ...]
) -> Share:
    """A work's share with its paths from the seed filled in."""
    return Share(value, PathSource(ancestry, (work,)), ancestry.path_counts[work], tuple(terms))


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
    return f"{percent}%"


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

    def member_shares_in(self, ancestry: Ancestry) -> Shares:
        count = len(ancestry.contributors)
        found: Shares = {}
        for member, works in ancestry.works_by.items():
            paths = PathSource(ancestry, tuple(works))
            paths_count = sum(ancestry.path_counts[work] for work in works)
            terms = (
                f'one of {count} contributors to the lineage of "{ancestry.title(ancestry.seed)}"',
            )
            found[member] = Share(Fraction(1, count), paths, paths_count, terms)
        return found

    def work_shares_in(self, ancestry: Ancestry) -> Shares:
        each = Fraction(1, len(ancestry.contributors))
        found: Shares = {}
        for work in ancestry.order:
            value = sum(
                (each / len(ancestry.works_by[author]) for author in ancestry.authors(work)),
                Fraction(0),
            )
            terms = [
                f"1/{len(ancestry.contributors)} of each author, spread over the works they made"
            ]
            found[work] = _share_of(ancestry, work, value, terms)
        return found


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

    def work_shares_in(self, ancestry: Ancestry) -> Shares:
        reach = {work: Fraction(0) for work in ancestry.order}
        reach[ancestry.seed] = Fraction(1)
        found: Shares = {}
        for work in ancestry.order:
            sources = ancestry.sources[work]
            kept = (1 - self.r) * reach[work] if sources else reach[work]
            terms = [
                f'{self.r} x {reach[built]} / {len(ancestry.sources[built])} passed on by "'
                f'{ancestry.title(built)}"'
                for built in ancestry.derived[work]
            ]
            if sources:
                terms.append(f"keeps {1 - self.r} of the {reach[work]} reaching it")
                for source in sources:
                    reach[source] += self.r * reach[work] / len(sources)
            else:
                terms.append(f"keeps all of the {reach[work]} reaching it (an original)")
            found[work] = _share_of(ancestry, work, kept, terms)
        return found


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

    def work_shares_in(self, ancestry: Ancestry) -> Shares:
        counts = ancestry.path_counts
        values: dict[UUID, Fraction] = {}
        terms: dict[UUID, list[str]] = {}
        for work in ancestry.order[1:]:
            values[work] = Fraction(0)
            terms[work] = []
            for built in ancestry.derived[work]:
                percent = ancestry.percent(work, built)
                values[work] += counts[built] * percent
                terms[work].append(
                    f'{_as_percent(percent)} cited by "{ancestry.title(built)}"'
                    f" on {counts[built]} path(s) from the published work"
                )
        owed = sum(values.values(), Fraction(0))
        if owed > 1:
            raise OverAllocationError(_over_allocation(ancestry, values, owed))
        values[ancestry.seed] = 1 - owed
        terms[ancestry.seed] = [f"keeps the rest: 100% - {_as_percent(owed)} to its ancestors"]
        return {
            work: _share_of(ancestry, work, values[work], terms[work]) for work in ancestry.order
        }


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

    def work_shares_in(self, ancestry: Ancestry) -> Shares:
        reach = {work: Fraction(0) for work in ancestry.order}
        reach[ancestry.seed] = Fraction(1)
        found: Shares = {}
        for work in ancestry.order:
            terms = [
                f'{_as_percent(ancestry.percent(work, built))} of the {reach[built]} reaching "'
                f'{ancestry.title(built)}"'
                for built in ancestry.derived[work]
            ]
            owed = sum((ancestry.percent(s, work) for s in ancestry.sources[work]), Fraction(0))
            if owed > 1 and reach[work] > 0:
                raise OverAllocationError(_over_citation(ancestry, work, owed))
            for source in ancestry.sources[work]:
                reach[source] += ancestry.percent(source, work) * reach[work]
            terms.append(f"keeps {_as_percent(1 - owed)} of the {reach[work]} reaching it")
            found[work] = _share_of(ancestry, work, reach[work] * (1 - owed), terms)
        return found


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

    def work_shares_in(self, ancestry: Ancestry) -> Shares:
        visits = {work: Fraction(0) for work in ancestry.order}
        visits[ancestry.seed] = Fraction(1)
        weights = {
            work: {s: self.weight(ancestry.relation(s, work)) for s in ancestry.sources[work]}
            for work in ancestry.order
        }
        for work in ancestry.order:
            total = sum(weights[work].values(), Fraction(0))
            for source, weight in weights[work].items():
                if total:
                    visits[source] += (1 - self.alpha) * visits[work] * weight / total
        all_visits = sum(visits.values(), Fraction(0))
        found: Shares = {}
        for work in ancestry.order:
            terms = [
                f"{1 - self.alpha} x {visits[built]} x {weights[built][work]}/"
                f'{sum(weights[built].values(), Fraction(0))} stepping back from "'
                f'{ancestry.title(built)}"'
                for built in ancestry.derived[work]
            ]
            terms.append(f"{visits[work]} visits per walk, of {all_visits} in all")
            found[work] = _share_of(ancestry, work, visits[work] / all_visits, terms)
        return found


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
