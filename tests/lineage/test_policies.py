"""Royalty policies on hand-computed lineages, the registry, and random DAGs."""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given

from ledger import Ledger
from lineage.ancestry import MAX_EXPLAINED_PATH_WORKS, MAX_EXPLAINED_PATHS
from lineage.errors import InvalidPolicyError, OverAllocationError, UnknownPolicyError
from lineage.policies import (
    POLICIES,
    Absolute,
    Decay,
    Equal,
    Flow,
    Relative,
    RoyaltyPolicy,
    policy_from_name,
)
from tests.lineage.dags import LineageSpec, Sketch, built, lineage_specs

F = Fraction


@pytest.fixture
def sketch(ledger: Ledger) -> Sketch:
    return Sketch(ledger)


def shares(sketch: Sketch, policy: RoyaltyPolicy, title: str) -> dict[str, Any]:
    return sketch.titles(policy.work_shares(sketch.lineage(), sketch.works[title]))


def chain(sketch: Sketch, *cites: tuple[str, str | None]) -> None:
    """A -> B -> C, B citing A with the first percent and C citing B with the second."""
    sketch.work("A")
    sketch.work("B", cites=[("A", cites[0][1]) if cites else "A"])
    sketch.work("C", cites=[("B", cites[1][1]) if cites else "B"])


def diamond(sketch: Sketch, ab: str | None, ac: str | None, bd: str | None, cd: str | None) -> None:
    """A is the source of B and C; D cites both, so two paths lead from D back to A."""
    sketch.work("A")
    sketch.work("B", cites=[("A", ab)])
    sketch.work("C", cites=[("A", ac)])
    sketch.work("D", cites=[("B", bd), ("C", cd)])


# ------------------------------------------------------------------ decay


def test_decay_halves_each_generation(sketch: Sketch) -> None:
    chain(sketch)
    assert shares(sketch, Decay(), "C") == {"C": F(1, 2), "B": F(1, 4), "A": F(1, 4)}


def test_decay_splits_what_it_passes_on_equally_among_sources(sketch: Sketch) -> None:
    sketch.work("A")
    sketch.work("B")
    sketch.work("C", cites=["A", "B"])
    assert shares(sketch, Decay(), "C") == {"C": F(1, 2), "A": F(1, 4), "B": F(1, 4)}


def test_decay_adds_up_what_reaches_an_ancestor_along_every_path(sketch: Sketch) -> None:
    diamond(sketch, None, None, None, None)
    found = Decay().work_shares(sketch.lineage(), sketch.works["D"])
    assert sketch.titles(found) == {"D": F(1, 2), "B": F(1, 8), "C": F(1, 8), "A": F(1, 4)}
    assert found[sketch.works["A"]].path_count == 2
    assert len(found[sketch.works["A"]].paths) == 2


def test_decay_with_another_rate_keeps_one_minus_r(sketch: Sketch) -> None:
    chain(sketch)
    assert shares(sketch, Decay(F(3, 10)), "C") == {"C": F(7, 10), "B": F(21, 100), "A": F(9, 100)}


def test_decay_at_the_extremes_keeps_all_or_passes_all_to_the_originals(sketch: Sketch) -> None:
    chain(sketch)
    assert shares(sketch, Decay(F(0)), "C") == {"C": 1, "B": 0, "A": 0}
    assert shares(sketch, Decay(F(1)), "C") == {"C": 0, "B": 0, "A": 1}


def test_an_original_keeps_the_whole_payment_under_every_policy(sketch: Sketch) -> None:
    sketch.work("A")
    for name in POLICIES:
        assert shares(sketch, policy_from_name(name), "A") == {"A": 1}


# --------------------------------------------------------------- absolute


def test_absolute_pays_each_ancestor_its_declared_percent_of_the_payment(sketch: Sketch) -> None:
    chain(sketch, ("A", "5"), ("B", "10"))
    paid = {title: 100 * share for title, share in shares(sketch, Absolute(), "C").items()}
    assert paid == {"C": 85, "B": 10, "A": 5}


def test_absolute_counts_the_last_citation_once_per_path(sketch: Sketch) -> None:
    diamond(sketch, "10", "20", "10", "10")
    assert shares(sketch, Absolute(), "D") == {
        "D": F(1, 2),
        "B": F(1, 10),
        "C": F(1, 10),
        "A": F(3, 10),  # 10% on the path through B, 20% on the path through C
    }


def test_absolute_counts_a_missing_percent_as_zero(sketch: Sketch) -> None:
    chain(sketch, ("A", None), ("B", "10"))
    assert shares(sketch, Absolute(), "C") == {"C": F(9, 10), "B": F(1, 10), "A": 0}


def test_absolute_over_100_percent_names_the_works(sketch: Sketch) -> None:
    sketch.work("Moon Song")
    sketch.work("Star Map")
    sketch.work("Night Film", cites=[("Moon Song", "60"), ("Star Map", "50")])
    with pytest.raises(OverAllocationError) as raised:
        shares(sketch, Absolute(), "Night Film")
    message = str(raised.value)
    assert '"Night Film"' in message and "110%" in message
    assert '"Moon Song" 60%' in message and '"Star Map" 50%' in message


def test_absolute_over_100_percent_through_several_paths(sketch: Sketch) -> None:
    diamond(sketch, "60", "60", "0", "0")
    with pytest.raises(OverAllocationError, match='"A" 120%'):
        shares(sketch, Absolute(), "D")


def test_absolute_over_100_percent_names_the_largest_claims_and_counts_the_rest(
    sketch: Sketch,
) -> None:
    # A chain of 25 works each claiming 10% of what the last one is paid: 240%.
    sketch.work("W0")
    for n in range(1, 25):
        sketch.work(f"W{n}", cites=[(f"W{n - 1}", "9" if n == 7 else "10")])
    with pytest.raises(OverAllocationError) as raised:
        shares(sketch, Absolute(), "W24")
    message = str(raised.value)
    assert "of a payment: " in message and "239%" in message
    named = message.split("of a payment: ")[1].split(", and ")[0].split(", ")
    assert len(named) == 10
    assert '"W6" 9%' not in message  # the one smaller claim is among those counted
    assert message.endswith(", and 14 more works")  # 24 claims in all


# --------------------------------------------------------------- relative


def test_relative_percentages_compound_along_the_path(sketch: Sketch) -> None:
    chain(sketch, ("A", "5"), ("B", "10"))
    paid = {title: 100 * share for title, share in shares(sketch, Relative(), "C").items()}
    assert paid == {"C": 90, "B": F(19, 2), "A": F(1, 2)}


def test_relative_sums_the_products_over_every_path(sketch: Sketch) -> None:
    diamond(sketch, "10", "20", "50", "50")
    assert shares(sketch, Relative(), "D") == {
        "D": 0,  # owes its two sources 50% each
        "B": F(9, 20),  # receives 1/2, passes 10% of it on to A
        "C": F(2, 5),  # receives 1/2, passes 20% of it on to A
        "A": F(3, 20),  # 50% x 10% + 50% x 20%
    }


def test_relative_with_zero_percentages_leaves_everything_to_the_work(sketch: Sketch) -> None:
    chain(sketch, ("A", "0"), ("B", "0"))
    assert shares(sketch, Relative(), "C") == {"C": 1, "B": 0, "A": 0}


def test_relative_over_100_percent_names_the_work_and_its_sources(sketch: Sketch) -> None:
    sketch.work("Moon Song")
    sketch.work("Star Map")
    sketch.work("Night Film", cites=[("Moon Song", "60"), ("Star Map", "50")])
    with pytest.raises(OverAllocationError) as raised:
        shares(sketch, Relative(), "Night Film")
    message = str(raised.value)
    assert '"Night Film"' in message and "110%" in message
    assert '"Moon Song" 60%' in message and '"Star Map" 50%' in message


def test_relative_ignores_over_citation_that_receives_nothing(sketch: Sketch) -> None:
    sketch.work("A")
    sketch.work("B")
    sketch.work("Greedy", cites=[("A", "60"), ("B", "60")])
    sketch.work("W", cites=[("Greedy", "0")])
    assert shares(sketch, Relative(), "W")["W"] == 1


# ------------------------------------------------------------------ equal


def test_equal_gives_every_contributor_the_same_however_many_works(sketch: Sketch) -> None:
    sketch.work("A", "ana")
    sketch.work("B", "ana", "ben", cites=["A"])
    sketch.work("C", "cy", cites=["B"])
    members = Equal().member_shares(sketch.lineage(), sketch.works["C"])
    by_member = {sketch.members[h]: F(1, 3) for h in ("ana", "ben", "cy")}
    assert {member: share.value for member, share in members.items()} == by_member
    works = shares(sketch, Equal(), "C")
    # ana's third is spread over A and B; ben's third is all B's.
    assert works == {"C": F(1, 3), "B": F(1, 6) + F(1, 3), "A": F(1, 6)}


# flow, in fixed point, has its own module: tests/lineage/test_flow.py


# ------------------------------------------------------- shared behaviour


def test_co_authors_split_a_works_share_equally(sketch: Sketch) -> None:
    sketch.work("A", "ana")
    sketch.work("B", "ana", "ben", cites=["A"])
    members = Decay().member_shares(sketch.lineage(), sketch.works["B"])
    assert members[sketch.members["ana"]].value == F(1, 4) + F(1, 2)
    assert members[sketch.members["ben"]].value == F(1, 4)
    assert "split among its 2 authors" in " ".join(members[sketch.members["ben"]].terms)


def test_retracted_works_are_still_credited(sketch: Sketch) -> None:
    chain(sketch)
    sketch.ledger.retract_work(sketch.works["A"], reason="second thoughts")
    assert shares(sketch, Decay(), "C")["A"] == F(1, 4)


def test_a_citation_added_later_is_not_seen_as_of_an_earlier_position(sketch: Sketch) -> None:
    sketch.work("A")
    sketch.work("B")
    sketch.work("C", cites=["A"])
    before = sketch.ledger.head
    sketch.cite("C", "B")
    lineage = sketch.lineage()
    then = sketch.titles(Decay().work_shares(lineage, sketch.works["C"], as_of=before))
    now = sketch.titles(Decay().work_shares(lineage, sketch.works["C"]))
    assert then == {"C": F(1, 2), "A": F(1, 2)}
    assert now == {"C": F(1, 2), "A": F(1, 4), "B": F(1, 4)}


def test_shares_explain_their_paths_and_terms(sketch: Sketch) -> None:
    chain(sketch, ("A", "5"), ("B", "10"))
    lineage = sketch.lineage()
    found = Absolute().work_shares(lineage, sketch.works["C"])
    a = found[sketch.works["A"]]
    assert a.paths == ((sketch.works["C"], sketch.works["B"], sketch.works["A"]),)
    assert a.terms == ('5% cited by "B" on 1 path(s) from the published work',)


def test_paths_longer_than_the_listing_limit_are_counted_not_listed(sketch: Sketch) -> None:
    # A chain of 70 works: the original is 69 citations (70 works) from the end.
    sketch.work("w0")
    for n in range(1, 70):
        sketch.work(f"w{n}", cites=[f"w{n - 1}"])
    found = Decay().work_shares(sketch.lineage(), sketch.works["w69"])
    last_listed = found[sketch.works[f"w{70 - MAX_EXPLAINED_PATH_WORKS}"]]
    assert [len(path) for path in last_listed.paths] == [MAX_EXPLAINED_PATH_WORKS]
    assert last_listed.paths[0][-1] == sketch.works[f"w{70 - MAX_EXPLAINED_PATH_WORKS}"]
    too_far = found[sketch.works[f"w{69 - MAX_EXPLAINED_PATH_WORKS}"]]
    assert too_far.paths == ()
    assert too_far.path_count == 1
    assert found[sketch.works["w0"]].paths == ()


# --------------------------------------------------------------- registry


def test_policies_are_found_by_name_with_exact_parameters() -> None:
    assert set(POLICIES) == {"equal", "decay", "absolute", "relative", "flow"}
    assert policy_from_name("decay", r="1/2") == Decay(F(1, 2))
    assert policy_from_name(" Decay ", r="0.3") == Decay(F(3, 10))
    assert policy_from_name("decay", r=None) == Decay()
    assert policy_from_name("flow", alpha="0.15") == Flow()


def test_a_policy_rebuilds_from_its_own_description() -> None:
    weighted = Flow(F(1, 5), relation_weights={"inspiration": F(1, 2), "edit": F(2)})
    for policy in (Equal(), Decay(F(1, 3)), Absolute(), Relative(), Flow(F(1, 5)), weighted):
        assert policy_from_name(**policy.as_dict()) == policy
    assert str(Decay(F(1, 3))) == "decay(r=1/3)" and str(Absolute()) == "absolute"


@pytest.mark.parametrize(
    ("name", "params", "error", "message"),
    [
        ("pagerank", {}, UnknownPolicyError, "equal, decay, absolute, relative, flow"),
        ("decay", {"r": "3/2"}, InvalidPolicyError, "from 0 to 1"),
        ("decay", {"r": 0.5}, InvalidPolicyError, "must be exact"),
        ("decay", {"r": "half"}, InvalidPolicyError, "not a number"),
        ("decay", {"alpha": "1/2"}, InvalidPolicyError, "takes only r"),
        ("equal", {"r": "1/2"}, InvalidPolicyError, "takes no parameters"),
        ("flow", {"weight_homage": "1"}, InvalidPolicyError, "not a relation"),
        ("flow", {"weight_remix": "-1"}, InvalidPolicyError, "must not be negative"),
    ],
)
def test_bad_policy_names_and_parameters_are_refused(
    name: str, params: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        policy_from_name(name, **params)


# ----------------------------------------------------- random lineages

EVERY_POLICY = [Equal(), Decay(), Decay(F(1, 3)), Absolute(), Relative(), Flow(), Flow(F(1, 2))]


def brute_absolute(spec: LineageSpec, seed: int) -> dict[int, Fraction]:
    owed: dict[int, Fraction] = {}
    for path in spec.paths(seed)[1:]:
        work, last = path[-1]
        assert last is not None
        owed[work] = owed.get(work, F(0)) + F(last.percent or 0) / 100
    return owed


def brute_reach(spec: LineageSpec, seed: int, step: Any) -> dict[int, Fraction]:
    """What reaches each work: the sum over paths of the product of ``step`` per citation."""
    reach: dict[int, Fraction] = {}
    for path in spec.paths(seed):
        value = F(1)
        for (before, _), (_, source) in itertools.pairwise(path):
            value *= step(before, source)
        reach[path[-1][0]] = reach.get(path[-1][0], F(0)) + value
    return reach


@given(spec=lineage_specs())
def test_every_policy_shares_out_exactly_the_whole_payment(spec: LineageSpec) -> None:
    with built(spec) as made:
        lineage = made.lineage()
        seed = made.works[-1]
        for policy in EVERY_POLICY:
            try:
                works = policy.work_shares(lineage, seed)
                members = policy.member_shares(lineage, seed)
            except OverAllocationError:
                assert isinstance(policy, Absolute | Relative)
                continue
            for found in (works, members):
                assert sum(share.value for share in found.values()) == 1
                assert all(share.value >= 0 for share in found.values())
            assert set(works) == {made.works[i] for i in spec.ancestors(len(spec.works) - 1)} | {
                seed
            }


@given(spec=lineage_specs())
def test_absolute_and_relative_agree_with_brute_force_path_sums(spec: LineageSpec) -> None:
    seed = len(spec.works) - 1
    owed = brute_absolute(spec, seed)

    def percent(before: int, source: Any) -> Fraction:
        return F(source.percent or 0) / 100

    reach = brute_reach(spec, seed, percent)
    with built(spec) as made:
        lineage = made.lineage()
        if sum(owed.values()) > 1:
            with pytest.raises(OverAllocationError):
                Absolute().work_shares(lineage, made.works[seed])
        else:
            found = Absolute().work_shares(lineage, made.works[seed])
            for work, value in owed.items():
                assert found[made.works[work]].value == value
        try:
            relative = Relative().work_shares(lineage, made.works[seed])
        except OverAllocationError:
            assert any(
                reach[w] > 0 and sum(percent(w, s) for s in spec.sources_of(w)) > 1 for w in reach
            )
            return
        for work, value in reach.items():
            kept = 1 - sum((percent(work, s) for s in spec.sources_of(work)), F(0))
            assert relative[made.works[work]].value == value * kept


@given(spec=lineage_specs())
def test_decay_agrees_with_brute_force_path_products(spec: LineageSpec) -> None:
    seed = len(spec.works) - 1
    r = F(1, 3)
    reach = brute_reach(spec, seed, lambda before, _: r / len(spec.sources_of(before)))
    with built(spec) as made:
        found = Decay(r).work_shares(made.lineage(), made.works[seed])
    for work, value in reach.items():
        expected = value * (1 - r) if spec.sources_of(work) else value
        assert found[made.works[work]].value == expected


@given(spec=lineage_specs())
def test_explained_paths_are_the_real_paths_shortest_first(spec: LineageSpec) -> None:
    seed = len(spec.works) - 1
    every: dict[int, set[tuple[int, ...]]] = {}
    for path in spec.paths(seed):
        every.setdefault(path[-1][0], set()).add(tuple(work for work, _ in path))
    with built(spec) as made:
        found = Decay().work_shares(made.lineage(), made.works[seed])
    for work, share in found.items():
        real = every[made.works.index(work)]
        short = {path for path in real if len(path) <= MAX_EXPLAINED_PATH_WORKS}
        listed = [tuple(made.works.index(w) for w in path) for path in share.paths]
        assert share.path_count == len(real)
        assert len(listed) == len(set(listed)) == min(len(short), MAX_EXPLAINED_PATHS)
        assert set(listed) <= short
        if short:
            assert len(listed[0]) == min(len(path) for path in real)
