"""Royalty statements: one revenue payment of a production, paid out to the cent, explained.

``royalty_statement`` follows the money in five exact steps, then rounds once:

1. the contributor pool is ``pool_percent`` of the revenue (half by default, as
   hitRECord paid), rounded down to the minor unit: the studio keeps any
   fraction of a cent, so the pool never exceeds its percentage;
2. the pool is divided among the production's works, equally or by ``weights``;
3. each work's part is shared over its lineage by the policy (per member);
4. the parts are summed per member;
5. the shares of members in ``waived`` go to everyone else in proportion to
   their shares (each is divided by 1 minus the waived total);

and the exact shares are rounded to the currency's minor unit by the largest
remainder method (ties to the smaller member id), so the lines add up to the pool
exactly. Every line carries its exact share and, per included work, the member's
share there with the policy's explanation (the paths and terms behind it).
The same input always gives the same statement.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from uuid import UUID

from ledger.adapters.collector import collector_paused
from ledger.domain.currencies import format_minor
from ledger.domain.errors import UnknownProductionError
from ledger.domain.values import Money
from lineage.ancestry import Ancestry
from lineage.credits import ANONYMOUS, explanation_dict, share_dict
from lineage.errors import StatementError
from lineage.exact import Reducer, primes_of
from lineage.graph import LineageGraph
from lineage.policies import RoyaltyPolicy, Share
from lineage.rounding import largest_remainder_over

__all__ = ["LineSource", "Statement", "StatementLine", "format_minor", "royalty_statement"]


@dataclass(frozen=True, slots=True)
class LineSource:
    """What one included work brought to a member's line.

    ``member_share`` is the member's share of a payment to that work (worked out
    when first asked for, like the explanation behind it).
    """

    work_id: UUID
    title: str
    work_share: Fraction
    explanation: Share

    @property
    def member_share(self) -> Fraction:
        return self.explanation.value


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One contributor's payout: exact share of the pool, and the rounded amount."""

    member_id: UUID
    external_id: str | None
    handle: str
    credited_as: str | None
    minor_units: int
    currency: str
    share: Fraction
    share_before_waivers: Fraction
    waived: bool
    sources: tuple[LineSource, ...]

    @property
    def amount(self) -> str:
        """The payout in major units, e.g. ``"12.34"``."""
        return format_minor(self.minor_units, self.currency)

    @property
    def display_name(self) -> str:
        return self.credited_as or ANONYMOUS


@dataclass(frozen=True, slots=True)
class Statement:
    """A royalty statement: the revenue, the pool, the works' parts, and the payouts."""

    production_id: UUID
    production_title: str
    revenue: Money
    pool_percent: Fraction
    pool_minor_units: int
    policy: str
    position: int
    works: tuple[tuple[UUID, str, Fraction], ...]
    waived: tuple[UUID, ...]
    lines: tuple[StatementLine, ...]

    @property
    def currency(self) -> str:
        return self.revenue.currency

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data (ids and amounts as strings, shares as fraction and percent)."""
        return {
            "production": {"id": str(self.production_id), "title": self.production_title},
            "policy": self.policy,
            "position": self.position,
            "revenue": _money_dict(self.revenue.minor_units, self.currency),
            "pool": {
                "percent": share_dict(self.pool_percent),
                **_money_dict(self.pool_minor_units, self.currency),
            },
            "works": [
                {"id": str(work), "title": title, "share": share_dict(share)}
                for work, title, share in self.works
            ],
            "waived": [str(member) for member in self.waived],
            "lines": [_line_dict(line) for line in self.lines],
        }


def royalty_statement(
    lineage: LineageGraph,
    production_id: UUID,
    revenue: Money,
    policy: RoyaltyPolicy,
    pool_percent: Fraction = Fraction(1, 2),
    weights: Mapping[UUID, Fraction | int] | None = None,
    waived: frozenset[UUID] = frozenset(),
    as_of: int | None = None,
) -> Statement:
    """Pay ``revenue`` of a production out to its contributors under ``policy``.

    ``weights`` (optional) gives every included work a non-negative weight; the
    works' parts of the pool are proportional to them. Members in ``waived`` who
    are not contributors are ignored.

    Raises ``UnknownProductionError``, ``StatementError`` (no works, bad weights or
    pool percentage, every share waived) and ``OverAllocationError``.
    """
    # Thousands of lines and shares, and no reference cycles (see collector_paused).
    with collector_paused():
        return _royalty_statement(
            lineage, production_id, revenue, policy, pool_percent, weights, waived, as_of
        )


def _royalty_statement(
    lineage: LineageGraph,
    production_id: UUID,
    revenue: Money,
    policy: RoyaltyPolicy,
    pool_percent: Fraction,
    weights: Mapping[UUID, Fraction | int] | None,
    waived: frozenset[UUID],
    as_of: int | None,
) -> Statement:
    try:
        production = lineage.production(production_id, as_of)
    except KeyError:
        raise UnknownProductionError(f"no production has id {production_id}") from None
    if not 0 <= pool_percent <= 1:
        raise StatementError(f"the pool percentage must be from 0 to 1, not {pool_percent}")
    works = list(dict.fromkeys(production.work_ids))
    if not works:
        raise StatementError(f"production {production.title!r} has no works to pay")
    ancestries = {work: Ancestry(lineage, work, as_of) for work in works}
    parts = _work_parts(ancestries, weights)
    before, sources = _member_shares(ancestries, parts, policy)
    member_id = lineage.member_id
    # Members by number from here on: hashing a small int is cheaper than a UUID.
    members = list(before.numerators)
    waived_numbers = {m for m in members if member_id(m) in waived}
    waived_units = sum(before.numerators[m] for m in waived_numbers)
    if waived_units == before.denominator:
        raise StatementError(f"every contributor to {production.title!r} waived their share")
    # Dividing by 1 minus the waived total: the same numerators over what is left.
    after = before
    if waived_numbers:
        after = _Family(
            {m: 0 if m in waived_numbers else n for m, n in before.numerators.items()},
            before.denominator - waived_units,
            before.primes if waived_units == 0 else None,
        )
    pool = revenue.minor_units * pool_percent
    pool_units = pool.numerator // pool.denominator
    units = largest_remainder_over(
        after.numerators, after.denominator, pool_units, tie_break=lambda m: str(member_id(m))
    )
    keyed = []
    for member in members:
        share = after.fraction(member)
        contributor = lineage.contributor(member_id(member), as_of)
        line = StatementLine(
            member_id=member_id(member),
            external_id=contributor.external_id,
            handle=contributor.handle,
            credited_as=contributor.credited_as,
            minor_units=units[member],
            currency=revenue.currency,
            share=share,
            share_before_waivers=share if after is before else before.fraction(member),
            waived=member in waived_numbers,
            sources=tuple(sources[member]),
        )
        # Numerators over common denominators order the shares as the fractions would.
        key = (-after.numerators[member], -before.numerators[member], line.handle)
        keyed.append((key, line))
    keyed.sort(key=lambda item: item[0])
    lines = [line for _, line in keyed]
    return Statement(
        production_id=production_id,
        production_title=production.title,
        revenue=revenue,
        pool_percent=pool_percent,
        pool_minor_units=pool_units,
        policy=str(policy),
        position=lineage.position if as_of is None else min(as_of, lineage.position),
        works=tuple((work, ancestries[work].title(work), parts[work]) for work in works),
        waived=tuple(sorted((member_id(m) for m in waived_numbers), key=str)),
        lines=tuple(lines),
    )


def _work_parts(
    ancestries: Mapping[UUID, Ancestry], weights: Mapping[UUID, Fraction | int] | None
) -> dict[UUID, Fraction]:
    if weights is None:
        return {work: Fraction(1, len(ancestries)) for work in ancestries}
    extra = [work for work in weights if work not in ancestries]
    missing = [ancestry.title(work) for work, ancestry in ancestries.items() if work not in weights]
    if extra:
        raise StatementError(f"weights name works that are not in the production: {extra}")
    if missing:
        raise StatementError(f"weights must name every work of the production; missing: {missing}")
    given = {work: Fraction(weights[work]) for work in ancestries}
    total = sum(given.values(), Fraction(0))
    if any(weight < 0 for weight in given.values()) or total == 0:
        raise StatementError("weights must not be negative, and at least one must be positive")
    return {work: weight / total for work, weight in given.items()}


class _Family:
    """Each member's exact share as a numerator over one common denominator."""

    def __init__(
        self, numerators: dict[int, int], denominator: int, primes: tuple[int, ...] | None
    ) -> None:
        self.numerators = numerators
        self.denominator = denominator
        self.primes = primes
        self._reduce = None if primes is None else Reducer(denominator, primes)

    def fraction(self, member: int) -> Fraction:
        if self._reduce is None:
            return Fraction(self.numerators[member], self.denominator)
        return self._reduce(self.numerators[member])


def _member_shares(
    ancestries: Mapping[UUID, Ancestry], parts: Mapping[UUID, Fraction], policy: RoyaltyPolicy
) -> tuple[_Family, dict[int, list[LineSource]]]:
    """Each member's (by number) exact share of the pool, and the works it came through."""
    per_work = {work: policy.member_values(ancestry) for work, ancestry in ancestries.items()}
    # One denominator for the whole pool: each work's part times its family's.
    scales = {
        work: parts[work].denominator * values.values.denominator
        for work, values in per_work.items()
    }
    denominator = math.lcm(*scales.values())
    known = [values.values.primes for values in per_work.values()]
    primes = (
        None
        if any(p is None for p in known)
        else primes_of(
            *(parts[work].denominator for work in per_work), *(p for ps in known for p in ps or ())
        )
    )
    shares: dict[int, int] = {}
    sources: dict[int, list[LineSource]] = {}
    for work, values in per_work.items():
        ancestry = ancestries[work]
        title = ancestry.title(work)
        factor = parts[work].numerator * (denominator // scales[work])
        numerators = values.values.numerators
        for index, (member, share) in enumerate(
            zip(values.members, values.shares(ancestry), strict=True)
        ):
            shares[member] = shares.get(member, 0) + numerators[index] * factor
            sources.setdefault(member, []).append(LineSource(work, title, parts[work], share))
    return _Family(shares, denominator, primes), sources


def _money_dict(minor_units: int, currency: str) -> dict[str, Any]:
    return {
        "amount": format_minor(minor_units, currency),
        "currency": currency,
        "minor_units": minor_units,
    }


def _line_dict(line: StatementLine) -> dict[str, Any]:
    return {
        "member": str(line.member_id),
        "external_id": line.external_id,
        "handle": line.handle,
        "credited_as": line.credited_as,
        "display_name": line.display_name,
        **_money_dict(line.minor_units, line.currency),
        "share": share_dict(line.share),
        "share_before_waivers": share_dict(line.share_before_waivers),
        "waived": line.waived,
        "sources": [
            {
                "work": str(source.work_id),
                "title": source.title,
                "work_share": share_dict(source.work_share),
                "member_share": share_dict(source.member_share),
                "explanation": explanation_dict(source.explanation),
            }
            for source in line.sources
        ],
    }
