"""The lineage arithmetic as it was before it moved to integers over common denominators.

Plain ``fractions.Fraction`` at every step, read through the id-keyed views of
``Ancestry`` (``order``, ``sources``, ``derived``, ``path_counts``). It is slow on
deep lineages (a gcd per operation), which is why the library no longer works
this way, but it is simple, so the tests check the fast code against it.

``flow`` is defined in fixed point (``lineage.policies.flow``): its reference here
runs the same floors in Fractions, work by id; ``exact_flow`` is the walk's exact
stationary distribution, which the fixed point approximates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from uuid import UUID

from lineage.ancestry import Ancestry
from lineage.exact import term_text
from lineage.policies import (
    Absolute,
    Decay,
    Equal,
    Flow,
    Relative,
    RoyaltyPolicy,
)
from lineage.policies.base import as_percent
from lineage.policies.flow import SHARE_BITS, VISIT_BITS

#: Per work or member: the exact share and the terms that explain it.
Explained = dict[UUID, tuple[Fraction, tuple[str, ...]]]


def work_shares(policy: RoyaltyPolicy, ancestry: Ancestry) -> Explained:
    """Each work's share under ``policy``, as the Fraction code computed it."""
    match policy:
        case Equal():
            return _equal_works(ancestry)
        case Decay():
            return _decay(policy.r, ancestry)
        case Absolute():
            return _absolute(ancestry)
        case Relative():
            return _relative(ancestry)
        case Flow():
            return _flow(policy, ancestry)
    raise TypeError(policy)


def member_shares(policy: RoyaltyPolicy, ancestry: Ancestry) -> Explained:
    """Each member's share: equal's 1/n, else each work's share split among its authors."""
    if isinstance(policy, Equal):
        count = len(ancestry.contributors)
        terms = (
            f'one of {count} contributors to the lineage of "{ancestry.title(ancestry.seed)}"',
        )
        return {member: (Fraction(1, count), terms) for member in ancestry.works_by}
    shares = work_shares(policy, ancestry)
    found: Explained = {}
    for member, works in ancestry.works_by.items():
        value = Fraction(0)
        terms: list[str] = []
        for work in works:
            authors = len(ancestry.authors(work))
            value += shares[work][0] / authors
            split = "" if authors == 1 else f", split among its {authors} authors"
            terms.append(
                f'"{ancestry.title(work)}" earns {term_text(shares[work][0])}{split}: '
                + "; ".join(shares[work][1])
            )
        found[member] = (value, tuple(terms))
    return found


def statement_shares(
    policy: RoyaltyPolicy,
    ancestries: Mapping[UUID, Ancestry],
    parts: Mapping[UUID, Fraction],
    waived: frozenset[UUID],
) -> tuple[dict[UUID, Fraction], dict[UUID, Fraction]]:
    """Each member's share of the pool before and after waivers."""
    before: dict[UUID, Fraction] = {}
    for work, ancestry in ancestries.items():
        for member, (value, _) in member_shares(policy, ancestry).items():
            before[member] = before.get(member, Fraction(0)) + parts[work] * value
    waived_total = sum((before[m] for m in before if m in waived), Fraction(0))
    after = {m: Fraction(0) if m in waived else v / (1 - waived_total) for m, v in before.items()}
    return before, after


def _equal_works(ancestry: Ancestry) -> Explained:
    each = Fraction(1, len(ancestry.contributors))
    found: Explained = {}
    for work in ancestry.order:
        value = sum(
            (each / len(ancestry.works_by[author]) for author in ancestry.authors(work)),
            Fraction(0),
        )
        terms = (f"1/{len(ancestry.contributors)} of each author, spread over the works they made",)
        found[work] = (value, terms)
    return found


def _decay(r: Fraction, ancestry: Ancestry) -> Explained:
    reach = {work: Fraction(0) for work in ancestry.order}
    reach[ancestry.seed] = Fraction(1)
    found: Explained = {}
    for work in ancestry.order:
        sources = ancestry.sources[work]
        kept = (1 - r) * reach[work] if sources else reach[work]
        terms = [
            f'{r} x {term_text(reach[built])} / {len(ancestry.sources[built])} passed on by "'
            f'{ancestry.title(built)}"'
            for built in ancestry.derived[work]
        ]
        if sources:
            terms.append(f"keeps {1 - r} of the {term_text(reach[work])} reaching it")
            for source in sources:
                reach[source] += r * reach[work] / len(sources)
        else:
            terms.append(f"keeps all of the {term_text(reach[work])} reaching it (an original)")
        found[work] = (kept, tuple(terms))
    return found


def _absolute(ancestry: Ancestry) -> Explained:
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
                f'{as_percent(percent)} cited by "{ancestry.title(built)}"'
                f" on {counts[built]} path(s) from the published work"
            )
    owed = sum(values.values(), Fraction(0))
    if owed > 1:
        raise OverflowError("over-allocated")
    values[ancestry.seed] = 1 - owed
    terms[ancestry.seed] = [f"keeps the rest: 100% - {as_percent(owed)} to its ancestors"]
    return {work: (values[work], tuple(terms[work])) for work in ancestry.order}


def _relative(ancestry: Ancestry) -> Explained:
    reach = {work: Fraction(0) for work in ancestry.order}
    reach[ancestry.seed] = Fraction(1)
    found: Explained = {}
    for work in ancestry.order:
        terms = [
            f"{as_percent(ancestry.percent(work, built))} of the"
            f' {term_text(reach[built])} reaching "{ancestry.title(built)}"'
            for built in ancestry.derived[work]
        ]
        owed = sum((ancestry.percent(s, work) for s in ancestry.sources[work]), Fraction(0))
        if owed > 1 and reach[work] > 0:
            raise OverflowError("over-cited")
        for source in ancestry.sources[work]:
            reach[source] += ancestry.percent(source, work) * reach[work]
        terms.append(f"keeps {as_percent(1 - owed)} of the {term_text(reach[work])} reaching it")
        found[work] = (reach[work] * (1 - owed), tuple(terms))
    return found


def exact_flow(policy: Flow, ancestry: Ancestry) -> dict[UUID, Fraction]:
    """Each work's exact share under ``policy``'s walk, in Fractions: what ``flow``
    computed before it moved to fixed point, and what its fixed point approximates."""
    visits = _flow_visits(policy, ancestry, Fraction(1), Fraction)
    all_visits = sum(visits.values(), Fraction(0))
    return {work: visits[work] / all_visits for work in ancestry.order}


def _flow_visits(
    policy: Flow, ancestry: Ancestry, start: Fraction, step: Callable[[Fraction], Fraction | int]
) -> dict[UUID, Fraction]:
    # The visits per walk, W's being ``start`` and each citation's part rounded by
    # ``step``; from W to the originals.
    visits = {work: Fraction(0) for work in ancestry.order}
    visits[ancestry.seed] = start
    for work in ancestry.order:
        weights = _flow_weights(policy, ancestry, work)
        total = sum(weights.values(), Fraction(0))
        for source, weight in weights.items():
            if total:
                visits[source] += step((1 - policy.alpha) * visits[work] * weight / total)
    return visits


def _flow_weights(policy: Flow, ancestry: Ancestry, work: UUID) -> dict[UUID, Fraction]:
    return {s: policy.weight(ancestry.relation(s, work)) for s in ancestry.sources[work]}


def _flow(policy: Flow, ancestry: Ancestry) -> Explained:
    # Fixed point: visits in grains of 2^-192 of a visit, each citation's part
    # floored; shares floored to units of 2^-128 of the payment, the dust to W.
    grain, unit = Fraction(1, 2**VISIT_BITS), Fraction(1, 2**SHARE_BITS)
    visits = _flow_visits(policy, ancestry, Fraction(2**VISIT_BITS), math.floor)
    all_visits = sum(visits.values(), Fraction(0))
    units = {work: math.floor(visits[work] / all_visits / unit) for work in ancestry.order}
    dust = 2**SHARE_BITS - sum(units.values())
    found: Explained = {}
    for work in ancestry.order:
        terms = []
        for built in ancestry.derived[work]:
            weights = _flow_weights(policy, ancestry, built)
            terms.append(
                f"{1 - policy.alpha} x {term_text(visits[built] * grain)} x {weights[work]}/"
                f'{sum(weights.values(), Fraction(0))} stepping back from "'
                f'{ancestry.title(built)}"'
            )
        floored = f"floored to {units[work]} units of 2^-128"
        if work == ancestry.seed:
            floored += f", plus the dust: the {dust} units that flooring every share left"
            units[work] += dust
        terms.append(
            f"{term_text(visits[work] * grain)} visits per walk,"
            f" of {term_text(all_visits * grain)} in all, {floored}"
        )
        found[work] = (units[work] * unit, tuple(terms))
    return found
