"""The integer arithmetic of the policies, statements and credits equals plain Fractions.

Policies compute with integer numerators over one common denominator, and
reduce each share without a gcd (``lineage.exact``). These tests compare every
policy, member split, statement and credits order on random lineages with the
Fraction reference in ``tests.lineage.reference``: values and explanations must
be the same, exactly.
"""

from __future__ import annotations

import math
import random
import sys
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import Ledger, Money, open_ledger
from lineage.ancestry import Ancestry
from lineage.credits import credits_for
from lineage.errors import OverAllocationError, StatementError
from lineage.exact import (
    Over,
    coprime_fraction,
    fraction_text,
    int_text,
    over_fractions,
    prime_factors,
    reduced,
    scaled_normal,
    scaled_sum,
)
from lineage.policies import Absolute, Decay, Equal, Flow, Relative, RoyaltyPolicy
from lineage.rounding import largest_remainder, largest_remainder_over
from lineage.statements import royalty_statement
from tests.lineage import reference
from tests.lineage.dags import RELATIONS, Cite, LineageSpec, Sketch, built, lineage_specs

F = Fraction

unit_fractions = st.builds(
    lambda d, n: F(min(n, d), d), st.integers(1, 40), st.integers(0, 40)
) | st.sampled_from([F(0), F(1), F(1, 2), F(3, 10), F(1, 7), F(999, 1000)])
weights = st.dictionaries(st.sampled_from(RELATIONS), unit_fractions, max_size=3)


@st.composite
def policies(draw: st.DrawFn) -> RoyaltyPolicy:
    kind = draw(st.sampled_from(["equal", "decay", "absolute", "relative", "flow"]))
    if kind == "decay":
        return Decay(draw(unit_fractions))
    if kind == "flow":
        return Flow(draw(unit_fractions), draw(weights) or None)
    return {"equal": Equal(), "absolute": Absolute(), "relative": Relative()}[kind]


def fast_or_over(policy: RoyaltyPolicy, ancestry: Ancestry, members: bool) -> object:
    try:
        shares = (policy.member_shares_in if members else policy.work_shares_in)(ancestry)
    except OverAllocationError:
        return "over-allocated"
    return {key: (share.value, share.terms) for key, share in shares.items()}


def reference_or_over(policy: RoyaltyPolicy, ancestry: Ancestry, members: bool) -> object:
    try:
        return (reference.member_shares if members else reference.work_shares)(policy, ancestry)
    except OverflowError:
        return "over-allocated"


@given(spec=lineage_specs(), policy=policies(), data=st.data())
def test_every_policy_equals_the_fraction_reference(
    spec: LineageSpec, policy: RoyaltyPolicy, data: st.DataObject
) -> None:
    with built(spec) as made:
        lineage = made.lineage()
        seed = made.works[data.draw(st.integers(0, len(made.works) - 1))]
        ancestry = Ancestry(lineage, seed)
        for members in (False, True):
            fast = fast_or_over(policy, Ancestry(lineage, seed), members)
            assert fast == reference_or_over(policy, ancestry, members)


@given(spec=lineage_specs(), policy=policies(), data=st.data())
def test_statements_equal_the_fraction_reference(
    spec: LineageSpec, policy: RoyaltyPolicy, data: st.DataObject
) -> None:
    with built(spec, amount_minor_units=data.draw(st.integers(1, 10**7))) as made:
        lineage = made.lineage()
        waived = frozenset(data.draw(st.lists(st.sampled_from(made.members), max_size=2)))
        weighted = data.draw(st.booleans())
        works = list(dict.fromkeys(made.works[i] for i in spec.production))
        given_weights = {w: F(data.draw(st.integers(0, 5))) for w in works} if weighted else None
        try:
            statement = royalty_statement(
                lineage, made.production, made.revenue, policy, weights=given_weights, waived=waived
            )
        except (OverAllocationError, StatementError) as refused:
            # The reference must refuse it too (or it is the same validation).
            if isinstance(refused, OverAllocationError):
                with pytest.raises(OverflowError):
                    ancestries = {w: Ancestry(lineage, w) for w in works}
                    for ancestry in ancestries.values():
                        reference.member_shares(policy, ancestry)
            return
        ancestries = {w: Ancestry(lineage, w) for w in works}
        total = sum((given_weights or {w: F(1) for w in works}).values(), F(0))
        parts = {w: (given_weights[w] if given_weights else F(1)) / total for w in works}
        before, after = reference.statement_shares(policy, ancestries, parts, waived)
        units = largest_remainder(after, statement.pool_minor_units, tie_break=str)
        expected = sorted(
            before, key=lambda m: (-after[m], -before[m], f"m{made.members.index(m)}")
        )
        assert [line.member_id for line in statement.lines] == expected
        for line in statement.lines:
            assert line.share == after[line.member_id]
            assert line.share_before_waivers == before[line.member_id]
            assert line.minor_units == units[line.member_id]
            for source in line.sources:
                mine = reference.member_shares(policy, ancestries[source.work_id])
                assert source.member_share == mine[line.member_id][0]
                assert source.explanation.terms == mine[line.member_id][1]


@given(spec=lineage_specs(), policy=policies())
def test_credits_are_ordered_by_the_exact_shares(spec: LineageSpec, policy: RoyaltyPolicy) -> None:
    with built(spec) as made:
        lineage = made.lineage()
        seed = made.works[-1]
        try:
            credits = credits_for(lineage, seed, policy)
        except OverAllocationError:
            return
        shares = reference.member_shares(policy, Ancestry(lineage, seed))
        assert {c.member_id: c.share for c in credits} == {m: v for m, (v, _) in shares.items()}
        keys = [(c.distance, -c.share, c.handle) for c in credits]
        assert keys == sorted(keys)


def test_a_long_chain_under_every_policy_equals_the_reference(ledger: Ledger) -> None:
    # Denominators of 2^300 and 100^300: the case the integer arithmetic is for.
    sketch = Sketch(ledger)
    sketch.work("w0", "ana")
    for n in range(1, 300):
        percent = str(n % 11) if n % 3 else None
        sketch.work(f"w{n}", "ana" if n % 2 else "ben", cites=[(f"w{n - 1}", percent)])
    lineage = sketch.lineage()
    seed = sketch.works["w299"]
    for policy in (Decay(), Decay(F(2, 3)), Absolute(), Relative(), Flow(), Equal()):
        for members in (False, True):
            expected = reference_or_over(policy, Ancestry(lineage, seed), members)
            assert fast_or_over(policy, Ancestry(lineage, seed), members) == expected
    decay = Decay().work_shares(lineage, seed)
    assert decay[sketch.works["w0"]].value == F(1, 2**299)
    assert decay[sketch.works["w1"]].value == F(1, 2**299)
    assert decay[sketch.works["w150"]].value == F(1, 2**150)


def test_a_late_citation_keeps_an_earlier_statement_as_it_was(ledger: Ledger) -> None:
    sketch = Sketch(ledger)
    sketch.work("A", "ana")
    sketch.work("B", "ben", cites=["A"])
    production = sketch.production("B")
    paid = ledger.record_revenue(production, Money(100_00, "USD")).position
    sketch.work("C", "cy")
    sketch.cite("B", "C")
    lineage = sketch.lineage()
    then = royalty_statement(lineage, production, Money(100_00, "USD"), Decay(), as_of=paid)
    now = royalty_statement(lineage, production, Money(100_00, "USD"), Decay())
    assert {line.handle: line.share for line in then.lines} == {"ben": F(1, 2), "ana": F(1, 2)}
    assert {line.handle: line.share for line in now.lines} == {
        "ben": F(1, 2),
        "ana": F(1, 4),
        "cy": F(1, 4),
    }


# ------------------------------------------------------------------ exact.py

small_primes = st.sampled_from([2, 3, 5, 7, 11, 13, 101, 65537])


@given(
    numerator=st.integers(-(10**30), 10**30),
    factors=st.lists(st.tuples(small_primes, st.integers(0, 200)), max_size=4),
)
def test_reducing_by_known_primes_equals_fraction(
    numerator: int, factors: list[tuple[int, int]]
) -> None:
    denominator = math.prod(prime**power for prime, power in factors)
    for scale in (1, 2**40, 3**7 * 5):
        scaled = numerator * scale
        primes = sorted({p for p, _ in factors} | set(prime_factors(scale) or ()))
        found = reduced(scaled, denominator * scale, primes)
        assert found == Fraction(scaled, denominator * scale)
        assert (found.numerator, found.denominator) == Fraction(
            scaled, denominator * scale
        ).as_integer_ratio()
        assert reduced(scaled, denominator * scale, None) == found


@given(st.integers(1, 10**12))
def test_prime_factors_are_the_primes_of_the_number(number: int) -> None:
    primes = prime_factors(number)
    if primes is None:
        # Only a number with two prime factors past the trial-division bound is left unknown.
        assert number > 2**32
        return
    rest = number
    for prime in primes:
        assert all(prime % d for d in range(2, min(prime, 10**4)) if d * d <= prime)
        assert rest % prime == 0
        while rest % prime == 0:
            rest //= prime
    assert rest == 1


def test_a_large_composite_without_small_factors_is_unknown() -> None:
    p, q = 2**61 - 1, 2**89 - 1  # two Mersenne primes
    assert prime_factors(p) == (p,)
    assert prime_factors(p * q) is None
    assert reduced(p * 6, p * q * 4, None) == Fraction(3, q * 2)


def test_coprime_fraction_is_a_normal_fraction() -> None:
    made = coprime_fraction(3, 2**100)
    assert made == Fraction(3, 2**100) and hash(made) == hash(Fraction(3, 2**100))
    assert isinstance(made, Fraction)


@given(st.lists(st.fractions(min_value=0, max_value=10, max_denominator=10**6), max_size=8))
def test_fractions_over_their_common_denominator(values: list[Fraction]) -> None:
    over = over_fractions(values)
    assert over.fractions() == values
    assert over.scaled(6).fractions() == values
    assert Over(over.numerators, over.denominator, None).fractions() == values
    # The same numerators binary-scaled (an odd mantissa and a shift) mean the same.
    scaled = [scaled_normal(numerator, 0) for numerator in over.numerators]
    mantissas = [mantissa for mantissa, _ in scaled]
    shifts = [shift for _, shift in scaled]
    for primes in (over.primes, None):
        binary = Over(mantissas, over.denominator, primes, shifts)
        assert binary.fractions() == values
        assert binary.numerators == over.numerators
        assert [binary.numerator(i) for i in range(len(values))] == over.numerators
        assert [binary.text(i) for i in range(len(values))] == [
            over.text(i) for i in range(len(values))
        ]


@given(
    st.integers(-(2**80), 2**80),
    st.integers(0, 100),
    st.integers(-(2**80), 2**80),
    st.integers(0, 100),
)
def test_binary_scaled_sums_are_sums_written_once(
    a: int, a_shift: int, b: int, b_shift: int
) -> None:
    mantissa, shift = scaled_sum(a, a_shift, b, b_shift)
    assert mantissa << shift == (a << a_shift) + (b << b_shift)
    assert mantissa % 2 == 1 or (mantissa, shift) == (0, 0)
    assert scaled_normal(mantissa << shift, 0) == (mantissa, shift)


@given(
    st.lists(st.integers(0, 10**6), min_size=1, max_size=12).filter(lambda n: sum(n) > 0),
    st.integers(0, 10**9),
)
def test_largest_remainder_over_a_denominator_equals_the_fraction_one(
    numerators: list[int], total: int
) -> None:
    denominator = sum(numerators)
    keyed = {f"k{index}": n for index, n in enumerate(numerators)}
    shares = {key: Fraction(n, denominator) for key, n in keyed.items()}
    assert largest_remainder_over(keyed, denominator, total) == largest_remainder(shares, total)


def test_largest_remainder_over_refuses_what_the_fraction_one_refuses() -> None:
    with pytest.raises(ValueError, match="sum to exactly 1"):
        largest_remainder_over({"a": 1, "b": 1}, 3, 10)
    with pytest.raises(ValueError, match="negative"):
        largest_remainder_over({"a": 2, "b": -1}, 1, 10)
    with pytest.raises(ValueError, match="negative total"):
        largest_remainder_over({"a": 1}, 1, -1)


@settings(max_examples=10, deadline=None)
@given(count=st.integers(30, 60), rng=st.randoms(use_true_random=False))
def test_larger_random_lineages_equal_the_reference(count: int, rng: random.Random) -> None:
    ledger = open_ledger("memory://")
    try:
        sketch = Sketch(ledger)
        for n in range(count):
            cited = sorted({rng.randrange(n) for _ in range(rng.randint(0, 3))}) if n else []
            cites: list[Cite] = [
                (f"w{s}", rng.choice([None, "1", "2.5", "3"]), rng.choice(RELATIONS)) for s in cited
            ]
            sketch.work(f"w{n}", rng.choice(["ana", "ben", "cy", "di"]), cites=cites)
        lineage = sketch.lineage()
    finally:
        ledger.close()
    seed = sketch.works[f"w{count - 1}"]
    for policy in (Decay(), Decay(F(1, 3)), Absolute(), Relative(), Flow(), Equal()):
        for members in (False, True):
            expected = reference_or_over(policy, Ancestry(lineage, seed), members)
            assert fast_or_over(policy, Ancestry(lineage, seed), members) == expected


@given(st.integers(min_value=-(10**9000), max_value=10**9000))
@settings(max_examples=60)
def test_int_text_writes_any_integer_as_str_would_without_the_digit_limit(number: int) -> None:
    text = int_text(number)
    assert text == _unlimited_str(number)
    assert fraction_text(Fraction(number * 7 + 1, 7)) == f"{int_text(number * 7 + 1)}/7"


def test_credits_of_a_chain_past_the_digit_limit_still_write_exact_fractions(
    ledger: Ledger,
) -> None:
    # Decay halves per generation: 14 500 generations give denominators of
    # 2^14 500, over 4 300 decimal digits, which str() refuses by default.
    depth = 14_500
    sketch = Sketch(ledger)
    with ledger.batch():
        sketch.work("w0", "ana")
        for n in range(1, depth):
            sketch.work(f"w{n}", "ana" if n % 2 else "ben", cites=[(f"w{n - 1}", None)])
    lineage = sketch.lineage()
    seed = sketch.works[f"w{depth - 1}"]
    credits = credits_for(lineage, seed, Decay())
    written = {row["handle"]: row["share"]["fraction"] for row in credits.as_dict()["credits"]}
    exact = {credit.handle: credit.share for credit in credits.credits}
    assert len(written["ben"]) > 4300
    for handle, share in exact.items():
        numerator, denominator = written[handle].split("/")
        assert numerator == _unlimited_str(share.numerator)
        assert denominator == _unlimited_str(share.denominator)
    origin = Decay().work_shares(lineage, seed)[sketch.works["w0"]].value
    assert fraction_text(origin) == "1/" + _unlimited_str(2 ** (depth - 1))


def _unlimited_str(number: int) -> str:
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return str(number)
    finally:
        sys.set_int_max_str_digits(limit)


def test_binary_scaled_values_reduce_without_writing_out_the_numerator() -> None:
    # Decay along a 1 000-work chain: a work k generations up keeps 2^-(k+1).
    denominator = 2**1000 * 3
    over = Over([3, 3, 1, 0], denominator, (2, 3), [998, 0, 1003, 0])
    assert over.fractions() == [Fraction(1, 4), Fraction(1, 2**1000), Fraction(8, 3), 0]
    assert over.numerators == [3 << 998, 3, 1 << 1003, 0]
