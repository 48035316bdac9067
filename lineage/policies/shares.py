"""Exact shares with their paths and terms, worked out when first read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from uuid import UUID

from lineage.ancestry import MAX_EXPLAINED_PATHS, Ancestry, Path
from lineage.exact import Over


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
