"""What a payment or budget makes available to pay contributors: pure functions.

A profit-split pool is the pool percent of what is left of a revenue payment after
the costs not yet recovered: costs are recovered from the payments recorded after
them, earliest first, in the payment's own currency (a cost in euros is never
recovered from dollars). The studio keeps any fraction of a minor unit, so a pool
never exceeds its percentage. A budget is a fixed pool, paid in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ledger.domain.errors import InvalidValueError

__all__ = ["Cost", "parse_payment", "profit_split_pool"]


@dataclass(frozen=True)
class Cost:
    """A cost in minor units, and how many revenue payments were recorded before it."""

    minor_units: int
    currency: str
    after_payments: int


def profit_split_pool(
    revenue: Sequence[tuple[int, str]],
    costs: Sequence[Cost],
    pool_percent: Decimal,
    number: int,
) -> int:
    """The pool (minor units) of revenue payment ``number`` (1 = the first).

    >>> profit_split_pool([(1000, "USD"), (1000, "USD")], [Cost(1500, "USD", 0)], Decimal(50), 2)
    250
    """
    if not 1 <= number <= len(revenue):
        raise InvalidValueError(f"there is no revenue payment #{number}")
    unrecovered: dict[str, int] = {}
    left = 0
    for index, (amount, currency) in enumerate(revenue[:number], start=1):
        for cost in costs:
            if cost.after_payments == index - 1:
                unrecovered[cost.currency] = unrecovered.get(cost.currency, 0) + cost.minor_units
        recovered = min(unrecovered.get(currency, 0), amount)
        unrecovered[currency] = unrecovered.get(currency, 0) - recovered
        left = amount - recovered
    pool = Fraction(left) * Fraction(pool_percent) / 100
    return pool.numerator // pool.denominator


def parse_payment(payment: str) -> tuple[str, int]:
    """``"revenue:2"`` -> ``("revenue", 2)``; ``"budget:1"`` -> ``("budget", 1)``."""
    kind, _, number = payment.partition(":")
    if kind not in ("revenue", "budget") or not number.isdigit() or int(number) < 1:
        raise InvalidValueError(f'a payment is "revenue:N" or "budget:N", not {payment!r}')
    return kind, int(number)
