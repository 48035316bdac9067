"""Largest-remainder rounding: whole units that always add up, deterministically."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lineage.rounding import format_percent, largest_remainder


def test_leftover_units_go_to_the_largest_remainders() -> None:
    shares = {"a": Fraction(1, 2), "b": Fraction(3, 10), "c": Fraction(1, 5)}
    # Exact parts of 7: 3.5, 2.1, 1.4 -> floors 3, 2, 1 and one unit left, for "a".
    assert largest_remainder(shares, 7) == {"a": 4, "b": 2, "c": 1}


def test_equal_remainders_are_broken_by_the_key_not_by_input_order() -> None:
    thirds = {key: Fraction(1, 3) for key in ("c", "a", "b")}
    assert largest_remainder(thirds, 100) == {"c": 33, "a": 34, "b": 33}
    assert largest_remainder(thirds, 200) == {"c": 66, "a": 67, "b": 67}


def test_tie_break_key_decides_who_gets_the_odd_unit() -> None:
    halves = {"ann": Fraction(1, 2), "bo": Fraction(1, 2)}
    assert largest_remainder(halves, 3, tie_break=lambda key: -len(key)) == {"ann": 2, "bo": 1}


def test_exact_shares_are_paid_exactly() -> None:
    assert largest_remainder({"a": Fraction(1, 4), "b": Fraction(3, 4)}, 400) == {
        "a": 100,
        "b": 300,
    }


def test_a_zero_total_pays_nothing_to_anyone() -> None:
    assert largest_remainder({"a": Fraction(1, 3), "b": Fraction(2, 3)}, 0) == {"a": 0, "b": 0}


def test_a_zero_share_never_gets_a_leftover_unit() -> None:
    shares = {"a": Fraction(1, 3), "b": Fraction(2, 3), "z": Fraction(0)}
    assert largest_remainder(shares, 1)["z"] == 0


@pytest.mark.parametrize(
    ("shares", "total", "message"),
    [
        ({"a": Fraction(1, 2)}, 10, "sum to exactly 1"),
        ({"a": Fraction(3, 2), "b": Fraction(-1, 2)}, 10, "negative"),
        ({"a": Fraction(1)}, -1, "negative total"),
        ({}, 10, "sum to exactly 1"),
    ],
)
def test_rejects_shares_that_cannot_be_paid(
    shares: dict[str, Fraction], total: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        largest_remainder(shares, total)


def test_percent_is_rounded_half_to_even_exactly() -> None:
    assert format_percent(Fraction(1, 8), digits=1) == "12.5"
    assert format_percent(Fraction(1, 800), digits=1) == "0.1"  # 0.125 -> 0.1 (half to even)
    assert format_percent(Fraction(3, 800), digits=1) == "0.4"  # 0.375 -> 0.4
    assert format_percent(Fraction(2, 3)) == "66.67"
    assert format_percent(Fraction(1)) == "100.00"


share_lists = st.lists(st.integers(0, 1_000), min_size=1, max_size=12).filter(any)


@given(weights=share_lists, total=st.integers(0, 10**9), seed=st.integers(0, 2**32))
def test_rounded_parts_add_up_stay_within_one_unit_and_ignore_order(
    weights: list[int], total: int, seed: int
) -> None:
    shares = {f"k{i}": Fraction(w, sum(weights)) for i, w in enumerate(weights)}
    paid = largest_remainder(shares, total)

    assert sum(paid.values()) == total
    for key, share in shares.items():
        assert paid[key] >= 0
        assert abs(paid[key] - share * total) < 1
    shuffled = list(shares.items())
    random.Random(seed).shuffle(shuffled)
    assert largest_remainder(dict(shuffled), total) == paid
