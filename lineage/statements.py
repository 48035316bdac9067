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

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from ledger.currencies import minor_unit_digits
from ledger.errors import UnknownProductionError
from ledger.values import Money
from lineage.ancestry import Ancestry
from lineage.credits import ANONYMOUS, explanation_dict, share_dict
from lineage.errors import StatementError
from lineage.graph import LineageGraph
from lineage.policies import RoyaltyPolicy, Share
from lineage.rounding import largest_remainder

__all__ = ["LineSource", "Statement", "StatementLine", "format_minor", "royalty_statement"]


@dataclass(frozen=True, slots=True)
class LineSource:
    """What one included work brought to a member's line."""

    work_id: UUID
    title: str
    work_share: Fraction
    member_share: Fraction
    explanation: Share


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
    waived_total = sum((before[m] for m in before if m in waived), Fraction(0))
    if waived_total == 1:
        raise StatementError(f"every contributor to {production.title!r} waived their share")
    after = {m: Fraction(0) if m in waived else v / (1 - waived_total) for m, v in before.items()}
    pool = revenue.minor_units * pool_percent
    pool_units = pool.numerator // pool.denominator
    units = largest_remainder(after, pool_units, tie_break=str)
    lines = []
    for member, share in after.items():
        contributor = lineage.contributor(member, as_of)
        lines.append(
            StatementLine(
                member_id=member,
                external_id=contributor.external_id,
                handle=contributor.handle,
                credited_as=contributor.credited_as,
                minor_units=units[member],
                currency=revenue.currency,
                share=share,
                share_before_waivers=before[member],
                waived=member in waived,
                sources=tuple(sources[member]),
            )
        )
    lines.sort(key=lambda line: (-line.share, -line.share_before_waivers, line.handle))
    return Statement(
        production_id=production_id,
        production_title=production.title,
        revenue=revenue,
        pool_percent=pool_percent,
        pool_minor_units=pool_units,
        policy=str(policy),
        position=lineage.position if as_of is None else min(as_of, lineage.position),
        works=tuple((work, ancestries[work].title(work), parts[work]) for work in works),
        waived=tuple(sorted((m for m in before if m in waived), key=str)),
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


def _member_shares(
    ancestries: Mapping[UUID, Ancestry], parts: Mapping[UUID, Fraction], policy: RoyaltyPolicy
) -> tuple[dict[UUID, Fraction], dict[UUID, list[LineSource]]]:
    """Each member's exact share of the pool, and the works it came through."""
    shares: dict[UUID, Fraction] = {}
    sources: dict[UUID, list[LineSource]] = {}
    for work, ancestry in ancestries.items():
        for member, share in policy.member_shares_in(ancestry).items():
            shares[member] = shares.get(member, Fraction(0)) + parts[work] * share.value
            source = LineSource(work, ancestry.title(work), parts[work], share.value, share)
            sources.setdefault(member, []).append(source)
    return shares, sources


def format_minor(minor_units: int, currency: str) -> str:
    """Minor units as a decimal string in major units: ``1234, "USD"`` -> ``"12.34"``."""
    digits = minor_unit_digits(currency)
    return f"{Decimal(minor_units).scaleb(-digits):.{digits}f}"


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
