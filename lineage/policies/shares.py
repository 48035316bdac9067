"""Exact shares with their paths and terms, worked out when first read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple
from uuid import UUID

from lineage.ancestry import MAX_EXPLAINED_PATHS, Ancestry, Path
from lineage.exact import Over
from lineage.kernels import records


class PathSource:
    """The paths that explain a share, listed (and counted) only when someone asks.

    Listing paths costs time in the length of each path; for a work at the end
    of a long chain that is quadratic over its ancestry, so a share only keeps
    which works' paths explain it (by number in ``Ancestry.order``), and lists
    them (once) on first use.
    """

    __slots__ = ("_ancestry", "_listed", "_numbers")

    def __init__(self, ancestry: Ancestry, numbers: Sequence[int]) -> None:
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


class ShareFamily:
    """The shares of one question: exact values over one denominator, and why.

    ``works(i)`` gives the works (by number in ``Ancestry.order``) whose paths
    explain value ``i``. Values, terms and paths are worked out on first use and
    kept here, so the shares themselves can be bare tuples.
    """

    __slots__ = ("_fractions", "_paths", "_terms", "ancestry", "explain", "values", "works")

    def __init__(
        self,
        values: Over,
        ancestry: Ancestry,
        works: Callable[[int], Sequence[int]],
        explain: Explainer,
    ) -> None:
        self.values = values
        self.ancestry = ancestry
        self.works = works
        self.explain = explain
        self._fractions: dict[int, Fraction] = {}
        self._terms: dict[int, tuple[str, ...]] = {}
        self._paths: dict[int, PathSource] = {}

    def fraction(self, index: int) -> Fraction:
        found = self._fractions.get(index)
        if found is None:
            found = self._fractions[index] = self.values.fraction(index)
        return found

    def terms(self, index: int) -> tuple[str, ...]:
        found = self._terms.get(index)
        if found is None:
            found = self._terms[index] = self.explain(index)
        return found

    def path_source(self, index: int) -> PathSource:
        found = self._paths.get(index)
        if found is None:
            found = self._paths[index] = PathSource(self.ancestry, self.works(index))
        return found

    def shares(self) -> list[Share]:
        """A ``Share`` for each value, in order (see ``records``: there may be
        thousands, and a share refers only to its family, which refers to no share)."""
        count = len(self.values)
        return records(Share, ([self] * count, range(count)))


class Share(NamedTuple):
    """One exact share of a payment and why: value number ``at`` of ``family``.

    ``value`` is the exact share; ``paths`` lists up to ``MAX_EXPLAINED_PATHS`` of
    the ``path_count`` paths from the published work back to the credited
    work(s), a shortest one first, leaving out paths of more than
    ``MAX_EXPLAINED_PATH_WORKS`` works; ``terms`` says in words which policy terms
    produced ``value``.

    The value, paths and terms are worked out on first use (and kept by the
    family): a statement or a credits list holds thousands of shares, most never
    printed, and the words of a term along a 10 000-work chain hold numbers of
    thousands of digits.
    """

    family: ShareFamily
    at: int

    @property
    def path_count(self) -> int:
        return self.family.path_source(self.at).count()

    @property
    def value(self) -> Fraction:
        return self.family.fraction(self.at)

    @property
    def numerator_over(self) -> tuple[int, int]:
        """The share as an integer over the common denominator of its family (not reduced)."""
        values = self.family.values
        return values.numerator(self.at), values.denominator

    @property
    def terms(self) -> tuple[str, ...]:
        return self.family.terms(self.at)

    @property
    def paths(self) -> tuple[Path, ...]:
        return self.family.path_source(self.at).paths()

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
        made, members = ancestry.member_works, self.members

        def works(index: int) -> tuple[int, ...]:
            return made[members[index]]

        return ShareFamily(self.values, ancestry, works, self.explain).shares()
