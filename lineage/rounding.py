"""Turning exact shares into whole minor units (cents) that add up to the total.

Royalty arithmetic is exact (``fractions.Fraction``) until the very end, where
money has to be paid in whole minor units of a currency. ``largest_remainder``
(Hamilton's method) rounds so that the parts always add up to the total, never
go below zero, and each is within one unit of its exact value; ties are broken
by a caller-given key, so the same input always gives the same cents.

A leaf module: the standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

__all__ = [
    "format_percent",
    "format_percent_over",
    "largest_remainder",
    "largest_remainder_over",
]

K = TypeVar("K", bound=Hashable)


def largest_remainder(
    shares: Mapping[K, Fraction],
    total_minor_units: int,
    tie_break: Callable[[K], SupportsRichComparison] = str,
) -> dict[K, int]:
    """Split ``total_minor_units`` by exact ``shares`` into whole units that add up.

    Each key first gets the floor of its exact part of the total; the units left
    over (fewer than the number of keys) go one each to the keys with the largest
    remainders. Equal remainders are ordered by ``tie_break(key)``, smallest
    first, never by the mapping's order.

    Parameters
    ----------
    shares : Mapping[K, Fraction]
        Non-negative exact shares that sum to exactly 1.
    total_minor_units : int
        The amount to split, in minor units (cents); not negative.
    tie_break : callable, default ``str``
        A stable key for equal remainders, such as the member id's string.

    Returns
    -------
    dict[K, int]
        Every key of ``shares`` with its units; the values sum to the total.

    Raises
    ------
    ValueError
        If a share is negative, the shares do not sum to 1, or the total is negative.

    Examples
    --------
    Three equal thirds of one dollar: one cent is left after the floors, and the
    tie goes to the smallest key.

    >>> from fractions import Fraction
    >>> largest_remainder({"b": Fraction(1, 3), "a": Fraction(1, 3), "c": Fraction(1, 3)}, 100)
    {'b': 33, 'a': 34, 'c': 33}
    >>> largest_remainder({"x": Fraction(5, 8), "y": Fraction(3, 8)}, 10)
    {'x': 6, 'y': 4}
    """
    if total_minor_units < 0:
        raise ValueError(f"cannot split a negative total ({total_minor_units})")
    if any(share < 0 for share in shares.values()):
        raise ValueError("shares must not be negative")
    if sum(shares.values(), Fraction(0)) != 1:
        raise ValueError("shares must sum to exactly 1")
    units: dict[K, int] = {}
    remainders: dict[K, Fraction] = {}
    for key, share in shares.items():
        exact = share * total_minor_units
        units[key] = exact.numerator // exact.denominator
        remainders[key] = exact - units[key]
    left_over = total_minor_units - sum(units.values())
    ranked = sorted(remainders, key=lambda key: (-remainders[key], tie_break(key)))
    for key in ranked[:left_over]:
        units[key] += 1
    return units


def largest_remainder_over(
    numerators: Mapping[K, int],
    denominator: int,
    total_minor_units: int,
    tie_break: Callable[[K], SupportsRichComparison] = str,
) -> dict[K, int]:
    """``largest_remainder`` for shares given as integers over one common denominator.

    The share of ``key`` is ``numerators[key] / denominator``; the result is the
    same as ``largest_remainder`` on those fractions, without building them (their
    denominators may have thousands of digits, and a Fraction reduces by gcd).

    >>> largest_remainder_over({"b": 1, "a": 1, "c": 1}, 3, 100)
    {'b': 33, 'a': 34, 'c': 33}
    """
    if total_minor_units < 0:
        raise ValueError(f"cannot split a negative total ({total_minor_units})")
    if denominator <= 0:
        raise ValueError(f"the denominator must be positive, not {denominator}")
    if any(numerator < 0 for numerator in numerators.values()):
        raise ValueError("shares must not be negative")
    if sum(numerators.values()) != denominator:
        raise ValueError("shares must sum to exactly 1")
    units: dict[K, int] = {}
    remainders: dict[K, int] = {}
    for key, numerator in numerators.items():
        # share * total = numerator * total / denominator: floor and remainder at once.
        units[key], remainders[key] = divmod(numerator * total_minor_units, denominator)
    left_over = total_minor_units - sum(units.values())
    ranked = sorted(remainders, key=lambda key: (-remainders[key], tie_break(key)))
    for key in ranked[:left_over]:
        units[key] += 1
    return units


def format_percent(share: Fraction, digits: int = 2) -> str:
    """Write an exact share as a percentage rounded half-even to ``digits`` decimals.

    >>> from fractions import Fraction
    >>> format_percent(Fraction(1, 3))
    '33.33'
    >>> format_percent(Fraction(1, 8), digits=1)
    '12.5'
    """
    return format_percent_over(share.numerator, share.denominator, digits)


def format_percent_over(numerator: int, denominator: int, digits: int = 2) -> str:
    """``format_percent`` of ``numerator / denominator``, not reduced first.

    A share kept over its family's common denominator is written without the gcd
    that reducing it would take (milliseconds each for numbers of thousands of
    digits, and a credits list has thousands of shares).

    >>> format_percent_over(2, 6), format_percent_over(1, 400), format_percent_over(1, 8, 1)
    ('33.33', '0.25', '12.5')
    """
    # Rounded half to even exactly, in integers: no binary or decimal detour.
    scaled, twice_rest = divmod(numerator * 100 * 10**digits * 2, denominator * 2)
    if twice_rest > denominator or (twice_rest == denominator and scaled % 2):
        scaled += 1
    return f"{Decimal(scaled).scaleb(-digits):.{digits}f}"
