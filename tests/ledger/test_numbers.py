"""Numbers are read as text within bounds before any arithmetic (issue 21.1)."""

from __future__ import annotations

import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import Ledger
from ledger.archive import import_archive
from ledger.domain.errors import ArchiveError, InvalidValueError
from ledger.domain.numbers import (
    MAX_NUMBER_CHARS,
    MAX_NUMBER_DIGITS,
    check_decimal_size,
    parse_bounded_decimal,
    parse_bounded_fraction,
)
from tests.ledger.test_archive import MEMBERS, WORKS, lines_of, write_archive


def test_fractions_and_decimals_within_the_bounds_read_exactly() -> None:
    assert parse_bounded_fraction(" 1/3 ", "r") == Fraction(1, 3)
    assert parse_bounded_fraction("0.25", "r") == Fraction(1, 4)
    assert parse_bounded_fraction("9" * 18 + "/" + "1" + "0" * 17, "r") == Fraction(
        10**18 - 1, 10**17
    )
    assert parse_bounded_decimal("12.5", "pool") == Decimal("12.5")
    assert parse_bounded_decimal("0." + "0" * 17 + "1", "pool") == Decimal("1e-18")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1e-10000000", "is not a number"),
        ("1E5", "is not a number"),
        ("1_000", "is not a number"),
        ("inf", "is not a number"),
        ("nan", "is not a number"),
        ("0x10", "is not a number"),
        ("1/0", "divides by zero"),
        ("1" * 19 + "/2", f"more than {MAX_NUMBER_DIGITS} digits"),
        ("1/" + "2" * 19, f"more than {MAX_NUMBER_DIGITS} digits"),
        ("0." + "1" * 19, f"more than {MAX_NUMBER_DIGITS} digits"),
        ("1" * 10 + "." + "1" * 9, f"more than {MAX_NUMBER_DIGITS} digits"),
        ("0" * 41, f"at most {MAX_NUMBER_CHARS}"),
    ],
)
def test_exponents_odd_forms_and_long_numbers_are_refused_with_the_reason(
    text: str, reason: str
) -> None:
    with pytest.raises(InvalidValueError, match=reason):
        parse_bounded_fraction(text, "decay r")


@given(st.text(max_size=2000))
def test_any_text_is_read_or_refused_at_once(text: str) -> None:
    started = time.monotonic()
    try:
        number = parse_bounded_fraction(text, "r")
    except InvalidValueError:
        pass
    else:
        assert max(abs(number.numerator), number.denominator) < 10 ** (2 * MAX_NUMBER_DIGITS)
    assert time.monotonic() - started < 1


def test_a_decimal_read_back_is_checked_for_size() -> None:
    assert check_decimal_size(Decimal("12.50"), "pool") == Decimal("12.50")
    for huge in ("1E-5000", "1E+5000", "1" * 19, "NaN"):
        with pytest.raises(InvalidValueError, match="pool"):
            check_decimal_size(Decimal(huge), "pool")


def _book_with_policy(policy: dict[str, object]) -> list[dict[str, object] | str]:
    return [
        *MEMBERS,
        *WORKS,
        {
            "type": "production",
            "id": "p1",
            "title": "The Tiny Book",
            "curator": "m3",
            "works": ["w1", "w2"],
            "created_at": "2011-11-01T00:00:00Z",
            "published_at": "2011-12-01T00:00:00Z",
        },
        {"type": "policy", "production": "p1", "chosen_at": "2011-12-02T00:00:00Z", **policy},
    ]


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        ({"policy": "decay", "params": {"r": "1e-5000"}}, "decay r '1e-5000' is not a number"),
        ({"policy": "decay", "params": {"r": "-1/2"}}, "must not be negative"),
        ({"policy": "decay", "pool_percent": "0." + "0" * 20 + "1"}, "more than 18 digits"),
        ({"policy": "decay", "weights": {"w1": "1" * 19}}, "more than 18 digits"),
    ],
)
def test_an_import_refuses_a_policy_with_an_unbounded_number_at_its_line(
    ledger: Ledger, tmp_path: Path, policy: dict[str, object], reason: str
) -> None:
    archive = write_archive(tmp_path / "policy.jsonl", _book_with_policy(policy))
    lines = len(MEMBERS) + len(WORKS) + 2
    with pytest.raises(ArchiveError, match=rf"^policy\.jsonl:{lines}: .*{reason}"):
        import_archive(ledger, lines_of(archive), source="policy.jsonl")
