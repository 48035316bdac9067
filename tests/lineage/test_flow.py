"""``flow`` in fixed point: the walk it approximates, and how closely (lineage.policies.flow).

Each share is a multiple of 2^-128 and the shares sum to exactly 1. Against the
walk's exact stationary distribution (``reference.exact_flow``, in Fractions):
every share but the paid work's is within 2^-127, and the paid work's, which
takes the dust of the floors, within (n - 1) x 2^-127 for n works; so within
2^-120 on lineages of up to 128 works.
"""

from __future__ import annotations

import random
from fractions import Fraction
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import Ledger, open_ledger
from lineage.ancestry import Ancestry
from lineage.graph import LineageGraph
from lineage.policies import Flow, Share
from lineage.policies.flow import SHARE_BITS, fixed_point_flow
from lineage.statements import royalty_statement
from tests.lineage import reference
from tests.lineage.dags import RELATIONS, Cite, LineageSpec, Sketch, built, lineage_specs
from tests.lineage.test_exact import unit_fractions, weights

F = Fraction
UNIT = F(1, 2**SHARE_BITS)

flows = st.builds(Flow, unit_fractions, weights.map(lambda given: given or None))


@pytest.fixture
def sketch(ledger: Ledger) -> Sketch:
    return Sketch(ledger)


def assert_close_to_the_exact_walk(shares: dict[UUID, Share], exact: dict[UUID, Fraction]) -> None:
    """Multiples of 2^-128 summing to 1; each within the documented distance of ``exact``."""
    assert shares.keys() == exact.keys()
    assert sum(share.value for share in shares.values()) == 1
    seed, *others = shares  # the paid work comes first
    for share in shares.values():
        assert (share.value / UNIT).denominator == 1
        assert share.value >= 0
    for work in others:
        assert abs(shares[work].value - exact[work]) < 2 * UNIT
    assert abs(shares[seed].value - exact[seed]) < max(len(others), 1) * 2 * UNIT
    assert all(abs(shares[work].value - exact[work]) < F(1, 2**120) for work in shares)


def test_flow_is_personalised_pagerank_with_restarts(sketch: Sketch) -> None:
    # Was: exactly visits / total, {C: 400/1029, B: 340/1029, A: 289/1029}; those
    # are no multiples of 2^-128, so flow now comes within 2^-127 of them.
    sketch.work("A")
    sketch.work("B", cites=["A"])
    sketch.work("C", cites=["B"])
    visits = {"C": F(1), "B": F(17, 20), "A": F(17, 20) ** 2}
    total = sum(visits.values())
    found = Flow().work_shares(sketch.lineage(), sketch.works["C"])
    exact = {sketch.works[title]: value / total for title, value in visits.items()}
    assert_close_to_the_exact_walk(found, exact)


def test_flow_follows_relation_weights_and_ignores_percentages(sketch: Sketch) -> None:
    # Was: exactly {D: 1/3, B: 2/9, C: 1/9, A: 1/3}; now within 2^-127 of them.
    sketch.work("A")
    sketch.work("B", cites=["A"])
    sketch.work("C", cites=["A"])
    sketch.work("D", cites=[("B", "90", "remix"), ("C", "5", "inspiration")])
    sketch.work("E", cites=[("B", None, "remix"), ("C", "60", "inspiration")])
    policy = Flow(alpha=F(0), relation_weights={"inspiration": F(1, 2)})
    lineage = sketch.lineage()
    # Visits: D 1, B 2/3, C 1/3, A 1: three in all.
    found = policy.work_shares(lineage, sketch.works["D"])
    exact = {"D": F(1, 3), "B": F(2, 9), "C": F(1, 9), "A": F(1, 3)}
    assert_close_to_the_exact_walk(found, {sketch.works[t]: v for t, v in exact.items()})
    # E cites the same works by the same relations, with other percentages.
    same = policy.work_shares(lineage, sketch.works["E"])
    renamed = {"E" if title == "D" else title: v for title, v in sketch.titles(found).items()}
    assert sketch.titles(same) == renamed


def test_flow_that_always_restarts_leaves_everything_to_the_work(sketch: Sketch) -> None:
    sketch.work("A")
    sketch.work("B", cites=["A"])
    sketch.work("C", cites=[("B", None, "inspiration")])
    lineage, paid = sketch.lineage(), sketch.works["C"]
    everything = {"C": 1, "B": 0, "A": 0}
    assert sketch.titles(Flow(alpha=F(1)).work_shares(lineage, paid)) == everything
    weightless = Flow(relation_weights={"inspiration": F(0)})
    assert sketch.titles(weightless.work_shares(lineage, paid)) == everything


def test_the_paid_work_takes_the_dust_of_the_floors() -> None:
    """The worked example of the module's docstring, with four share bits: the
    floors give 6 + 5 + 4 sixteenths, and the sixteenth left goes to the paid work."""
    chain = [(1,), (2,), ()]
    step = ((17, 20),)
    found = fixed_point_flow(chain, [step, step, ()], visit_bits=8, share_bits=4)
    assert found.visits == [256, 217, 184]
    assert found.units == [7, 5, 4] and found.dust == 1
    # Exactly, 6.22, 5.29 and 4.49 sixteenths: the same floors.
    exact = [F(400, 1029), F(340, 1029), F(289, 1029)]
    assert [value * 16 // 1 for value in exact] == [6, 5, 4]


@given(spec=lineage_specs(), policy=flows, data=st.data())
def test_flow_is_within_2_to_the_minus_120_of_the_exact_walk(
    spec: LineageSpec, policy: Flow, data: st.DataObject
) -> None:
    with built(spec) as made:
        lineage = made.lineage()
        seed = made.works[data.draw(st.integers(0, len(made.works) - 1))]
        found = policy.work_shares(lineage, seed)
        ancestry = Ancestry(lineage, seed)
        factors = [policy.factors(relations) for relations in ancestry.source_relations]
        walked = fixed_point_flow(ancestry.source_index, factors)
    assert_close_to_the_exact_walk(found, reference.exact_flow(policy, ancestry))
    assert 0 <= walked.dust < len(found)


@given(spec=lineage_specs())
def test_flow_is_the_stationary_distribution_of_its_walk(spec: LineageSpec) -> None:
    # Was: the inflow of each work equals its share exactly; the fixed-point
    # shares are each within (n - 1) x 2^-127 of the walk's, so the inflow is too.
    seed = len(spec.works) - 1
    alpha = F(3, 20)
    with built(spec) as made:
        found = Flow(alpha).work_shares(made.lineage(), made.works[seed])
    pi = {made.works.index(work): share.value for work, share in found.items()}
    assert sum(pi.values()) == 1
    # Inflow of each work equals its probability: restarts flow into the seed,
    # steps back along citations into the sources.
    inflow = dict.fromkeys(pi, F(0))
    for work, p in pi.items():
        sources = spec.sources_of(work)
        inflow[seed] += p * (alpha if sources else 1)
        for source in sources:
            inflow[source.work] += p * (1 - alpha) / len(sources)
    for work, p in pi.items():
        assert abs(inflow[work] - p) < F(1, 2**120)


def lineage_of(count: int, rng: random.Random, sources: int) -> tuple[LineageGraph, UUID]:
    """``count`` works, each citing up to ``sources`` earlier ones; the last one paid."""
    ledger = open_ledger("memory://")
    try:
        sketch = Sketch(ledger)
        for n in range(count):
            cited = sorted({rng.randrange(n) for _ in range(rng.randint(1, sources))}) if n else []
            cites: list[Cite] = [(f"w{s}", None, rng.choice(RELATIONS)) for s in cited]
            sketch.work(f"w{n}", rng.choice(["ana", "ben", "cy"]), cites=cites)
        return sketch.lineage(), sketch.works[f"w{count - 1}"]
    finally:
        ledger.close()


@pytest.mark.parametrize("alpha", [F(0), F(3, 20)], ids=str)
@pytest.mark.parametrize("sources", [1, 6], ids=["a chain", "a dense lineage"])
def test_larger_lineages_keep_every_share_but_the_paid_works_within_2_to_the_minus_127(
    alpha: Fraction, sources: int
) -> None:
    """Past 128 works the dust may exceed 2^-120; no other share moves past 2^-127."""
    lineage, seed = lineage_of(300, random.Random(sources), sources)
    policy = Flow(alpha, {"inspiration": F(1, 3), "edit": F(2)})
    found = policy.work_shares(lineage, seed)
    exact = reference.exact_flow(policy, Ancestry(lineage, seed))
    assert sum(share.value for share in found.values()) == 1
    paid, *others = found
    assert all(abs(found[work].value - exact[work]) < 2 * UNIT for work in others)
    assert abs(found[paid].value - exact[paid]) < len(others) * 2 * UNIT


@given(spec=lineage_specs(), policy=flows, cents=st.integers(1, 10**9))
def test_flow_statements_pay_the_pool_to_the_cent_within_a_cent_of_the_exact_walk(
    spec: LineageSpec, policy: Flow, cents: int
) -> None:
    with built(spec, cents) as made:
        lineage = made.lineage()
        statement = royalty_statement(lineage, made.production, made.revenue, policy)
        works = list(dict.fromkeys(made.works[i] for i in spec.production))
        exact: dict[UUID, Fraction] = {}
        for work in works:
            ancestry = Ancestry(lineage, work)
            shares = reference.exact_flow(policy, ancestry)
            for member, made_works in ancestry.works_by.items():
                split = sum(shares[w] / len(ancestry.authors(w)) for w in made_works)
                exact[member] = exact.get(member, F(0)) + split / len(works)
    pool = statement.pool_minor_units
    assert sum(line.minor_units for line in statement.lines) == pool
    assert sum(line.share for line in statement.lines) == 1
    for line in statement.lines:
        assert abs(line.minor_units - line.share * pool) < 1
        assert abs(line.minor_units - exact[line.member_id] * pool) < 1 + F(pool, 2**120)
