"""Story Protocol's LAP and LRP vectors record and pay as Story pays them.

Each vector is a lineage of works with the royalty percent of each citation (a
Story license's ``commercialRevShare``), the policy a production pays it under
(``absolute`` is Story's LAP, ``relative`` its LRP) and what each work is paid
of 100.00 when the last work earns it. Every vector is recorded through the
ledger's commands (remix, production, policy, revenue) and paid by the
statement. The LRP vectors whose LAP stack passes 100% (a diamond of a 100% and
a 50% path, among others) are refused only where a production would pay them
under ``absolute``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

import pytest

from ledger import Citation, Ledger, Money, Relation, open_ledger
from ledger.domain.currencies import format_minor
from ledger.domain.errors import RoyaltyOverAllocationError
from lineage.graph import LineageGraph
from lineage.policies import check_policy_choice
from lineage.royalties import statement_for_revenue


@dataclass(frozen=True)
class Vector:
    policy: str
    # Each work in the order recorded, with its citations (source, percent or None).
    works: tuple[tuple[str, tuple[tuple[str, str | None], ...]], ...]
    paid: dict[str, str]  # what each work receives of 100.00 paid to the last work
    lap_stack_over_100: bool = False


def _chain(*percents: str | None) -> tuple[tuple[str, tuple[tuple[str, str | None], ...]], ...]:
    names = [f"w{n}" for n in range(len(percents) + 1)]
    remixes = [(names[n + 1], ((names[n], percent),)) for n, percent in enumerate(percents)]
    return ((names[0], ()), *remixes)


_DIAMOND_LAP = (
    ("a", ()),
    ("b", (("a", "10"),)),
    ("c", (("a", "20"),)),
    ("d", (("b", "10"), ("c", "10"))),
)
# Story's LRP diamond: two paths from d back to a, at 100% and at 50%.
_DIAMOND_LRP = (
    ("a", ()),
    ("b", (("a", "100"),)),
    ("c", (("a", "50"),)),
    ("d", (("b", "50"), ("c", "50"))),
)

VECTORS = {
    # LAP: every ancestor is owed its percent of every payment below it.
    "LAP chain 5% then 10% (Story's docs)": Vector(
        "absolute", _chain("5", "10"), {"w2": "85.00", "w1": "10.00", "w0": "5.00"}
    ),
    "LAP two parents 30% and 20%": Vector(
        "absolute",
        (("a", ()), ("b", ()), ("c", (("a", "30"), ("b", "20")))),
        {"c": "50.00", "a": "30.00", "b": "20.00"},
    ),
    "LAP diamond, the grandparent owed along both paths": Vector(
        "absolute", _DIAMOND_LAP, {"d": "50.00", "b": "10.00", "c": "10.00", "a": "30.00"}
    ),
    "LAP stack of exactly 100%": Vector(
        "absolute", _chain("60", "40"), {"w2": "0.00", "w1": "40.00", "w0": "60.00"}
    ),
    "LAP no percent and 0%": Vector(
        "absolute", _chain(None, "0"), {"w2": "100.00", "w1": "0.00", "w0": "0.00"}
    ),
    "LAP four generations of 25%": Vector(
        "absolute",
        _chain("25", "25", "25", "25"),
        {"w4": "0.00", "w3": "25.00", "w2": "25.00", "w1": "25.00", "w0": "25.00"},
    ),
    # LRP: each parent is owed its percent of what its direct derivative receives.
    "LRP chain 5% then 10% (Story's docs)": Vector(
        "relative", _chain("5", "10"), {"w2": "90.00", "w1": "9.50", "w0": "0.50"}
    ),
    "LRP diamond of a 100% and a 50% path": Vector(
        "relative",
        _DIAMOND_LRP,
        {"d": "0.00", "b": "0.00", "c": "25.00", "a": "75.00"},
        lap_stack_over_100=True,
    ),
    "LRP chain of 100% twice": Vector(
        "relative",
        _chain("100", "100"),
        {"w2": "0.00", "w1": "0.00", "w0": "100.00"},
        lap_stack_over_100=True,
    ),
    "LRP two parents 60% and 40%": Vector(
        "relative",
        (("a", ()), ("b", ()), ("c", (("a", "60"), ("b", "40")))),
        {"c": "0.00", "a": "60.00", "b": "40.00"},
    ),
    "LRP three generations of 50%": Vector(
        "relative",
        _chain("50", "50", "50"),
        {"w3": "50.00", "w2": "25.00", "w1": "12.50", "w0": "12.50"},
        lap_stack_over_100=True,
    ),
}


def _record(ledger: Ledger, vector: Vector) -> dict[str, UUID]:
    """Each work by a member of its own name, through ``remix`` (or ``contribute``)."""
    works: dict[str, UUID] = {}
    for name, cites in vector.works:
        author = ledger.register_member(handle=f"ip-{name}").id
        sources = [
            Citation(works[source], Relation.REMIX, None if p is None else Decimal(p))
            for source, p in cites
        ]
        works[name] = ledger.remix(authors=[author], title=name, sources=sources).id
    return works


def _production_of(ledger: Ledger, work: UUID) -> UUID:
    curator = ledger.register_member(handle="curator").id
    ledger.grant_role(curator, "curator")
    production = ledger.create_production(title="Story", curator_id=curator).id
    ledger.include_work(production, work)
    return production


@pytest.mark.parametrize("name", list(VECTORS))
def test_story_protocol_vector_records_and_pays_as_story_pays_it(name: str) -> None:
    vector = VECTORS[name]
    ledger = open_ledger("memory://")
    ledger.policy_check = check_policy_choice
    works = _record(ledger, vector)
    production = _production_of(ledger, works[vector.works[-1][0]])
    ledger.choose_policy(production, vector.policy, pool_percent=Decimal(100))
    ledger.publish(production)
    ledger.record_revenue(production, Money.parse("100.00", "USD"))
    statement = statement_for_revenue(LineageGraph.from_ledger(ledger), production, 1)
    paid = {line.handle.removeprefix("ip-"): line.minor_units for line in statement.lines}
    assert set(paid) <= set(vector.paid)
    shown = {work: format_minor(paid.get(work, 0), "USD") for work in vector.paid}
    assert shown == vector.paid


@pytest.mark.parametrize("name", [n for n, v in VECTORS.items() if v.lap_stack_over_100])
def test_an_lrp_vector_whose_lap_stack_passes_100_percent_is_refused_only_under_absolute(
    name: str,
) -> None:
    ledger = open_ledger("memory://")
    works = _record(ledger, VECTORS[name])
    production = _production_of(ledger, works[VECTORS[name].works[-1][0]])
    with pytest.raises(RoyaltyOverAllocationError, match="cannot pay under the absolute policy"):
        ledger.choose_policy(production, "absolute")
    ledger.choose_policy(production, "relative")
