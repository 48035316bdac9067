"""Exact shares as integer numerators over one common denominator.

``fractions.Fraction`` reduces to lowest terms (a gcd) after every operation.
Along a 10 000-work chain decay's shares have denominators near 2^10 000, and a
gcd of such numbers costs about 0.3 ms, so a credits question spent seconds in
gcds. The policies instead choose, before they start, a common denominator D
that every value of the pass is known to divide into, and work on integer
numerators over D: additions and multiplications by small integers, no gcd.

``Over`` holds such a family of values together with the primes of D (D is a
product of small known numbers: the denominator of a rate, counts of sources,
the denominators of percentages). Turning one value into a Fraction then takes
no gcd either: dividing out those primes while both numerator and denominator
are divisible by them leaves them coprime (for 2, by counting trailing zero
bits). When D's primes are not known, ``Fraction`` reduces as usual.

Numerators may also be kept binary-scaled, as ``mantissa << shift`` with an odd
mantissa (``scaled_normal``): under decay the values along a chain are powers of
two over a D of thousands of bits, so each mantissa is small and only the shift
grows.

A leaf module: the standard library only.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any

__all__ = [
    "Over",
    "Reducer",
    "coprime_fraction",
    "over_fractions",
    "prime_factors",
    "primes_of",
    "reduced",
    "scaled_normal",
    "scaled_sum",
    "term_text",
]

# Trial division up to this bound: enough for counts of sources and the
# denominators people write as rates; anything else falls back to gcds.
_TRIAL_LIMIT = 1 << 16

_make: Any = getattr(Fraction, "_from_coprime_ints", None)


def coprime_fraction(numerator: int, denominator: int) -> Fraction:
    """``numerator / denominator``, already in lowest terms with a positive denominator.

    Builds the Fraction without its gcd; the caller vouches they are coprime.

    >>> coprime_fraction(3, 8) == Fraction(3, 8)
    True
    """
    if _make is not None:  # Python 3.12 and later
        return _make(numerator, denominator)  # type: ignore[no-any-return]
    return Fraction(numerator, denominator, _normalize=False)  # type: ignore[call-overload,no-any-return]


def int_text(number: int) -> str:
    """``str(number)``, also past the interpreter's limit on digits (4 300 by default).

    The limit guards against parsing huge untrusted text; these are exact shares
    the ledger computed itself, and a decay share 14 000 generations up has more
    digits than that. Halves small enough are converted directly and joined.

    >>> int_text(-(10**5000 + 7)) == "-1" + "0" * 4999 + "7"
    True
    """
    if number < 0:
        return "-" + int_text(-number)
    try:
        return str(number)
    except ValueError:  # over the limit: split into halves of at most half as many digits
        half = int(number.bit_length() * 0.30103) // 2  # about half its decimal digits
        high, low = divmod(number, 10**half)
        return int_text(high) + int_text(low).zfill(half)


def fraction_text(value: Fraction) -> str:
    """``str(value)`` ("3/8", "1"), for numbers of any size (see ``int_text``)."""
    if value.denominator == 1:
        return int_text(value.numerator)
    return f"{int_text(value.numerator)}/{int_text(value.denominator)}"


#: Terms show a value exactly while its numerator and denominator are below this.
TERM_EXACT_LIMIT = 10**40


def term_text(value: Fraction) -> str:
    """A value in an explanation's words: exact ("3/8") when short, else approximate.

    Along a 10 000-work chain the values reaching each work have thousands of
    digits; written out, credits' explanations ran to hundreds of megabytes that
    no one can read. Past 40 digits a term says ``~1.23457e-706`` instead (six
    significant digits); the share itself is always exact.

    >>> term_text(Fraction(3, 8)), term_text(Fraction(1, 2**300))
    ('3/8', '~4.90909e-91')
    """
    numerator, denominator = value.numerator, value.denominator
    if abs(numerator) < TERM_EXACT_LIMIT and denominator < TERM_EXACT_LIMIT:
        return fraction_text(value)
    # math.log10 takes integers of any size (no float overflow).
    logarithm = math.log10(abs(numerator)) - math.log10(denominator)
    exponent = math.floor(logarithm)
    mantissa = f"{10 ** (logarithm - exponent):.5f}"
    if mantissa.startswith("10"):  # rounded up to the next power of ten
        mantissa, exponent = "1.00000", exponent + 1
    sign = "-" if numerator < 0 else ""
    return f"~{sign}{mantissa}e{exponent}"


def scaled_normal(mantissa: int, shift: int) -> tuple[int, int]:
    """``mantissa << shift`` as the one pair that writes it with an odd mantissa
    (zero as ``(0, 0)``): the factors of two move into the shift.

    >>> scaled_normal(12, 1), scaled_normal(0, 5)
    ((3, 3), (0, 0))
    """
    if not mantissa:
        return 0, 0
    twos = (mantissa & -mantissa).bit_length() - 1
    return (mantissa >> twos, shift + twos) if twos else (mantissa, shift)


def scaled_sum(mantissa: int, shift: int, other: int, other_shift: int) -> tuple[int, int]:
    """``(mantissa << shift) + (other << other_shift)``, binary-scaled (``scaled_normal``)."""
    if not mantissa:
        return scaled_normal(other, other_shift)
    if not other:
        return scaled_normal(mantissa, shift)
    if shift > other_shift:
        mantissa, shift, other, other_shift = other, other_shift, mantissa, shift
    return scaled_normal(mantissa + (other << (other_shift - shift)), shift)


@lru_cache(maxsize=4096)
def prime_factors(number: int) -> tuple[int, ...] | None:
    """The distinct primes of a positive integer, or None if it has a large one not proven prime.

    >>> prime_factors(360), prime_factors(1), prime_factors(2**61 - 1)
    ((2, 3, 5), (), (2305843009213693951,))
    """
    if number < 1:
        raise ValueError(f"not a positive integer: {number}")
    found: list[int] = []
    rest = number
    if rest & 1 == 0:
        found.append(2)
        rest >>= (rest & -rest).bit_length() - 1
    divisor = 3
    while divisor * divisor <= rest and divisor < _TRIAL_LIMIT:
        if rest % divisor == 0:
            found.append(divisor)
            while rest % divisor == 0:
                rest //= divisor
        divisor += 2
    if rest > 1:
        if divisor * divisor <= rest and not _is_probable_prime(rest):
            return None
        found.append(rest)
    return tuple(found)


def _is_probable_prime(number: int) -> bool:
    # Deterministic Miller-Rabin for numbers below 3.3 * 10^24; larger ones count as unknown.
    if number >= 3_317_044_064_679_887_385_961_981:
        return False
    odd, twos = number - 1, 0
    while odd % 2 == 0:
        odd, twos = odd // 2, twos + 1
    for base in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41):
        x = pow(base, odd, number)
        if x in (1, number - 1):
            continue
        for _ in range(twos - 1):
            x = x * x % number
            if x == number - 1:
                break
        else:
            return False
    return True


def primes_of(*numbers: int) -> tuple[int, ...] | None:
    """The distinct primes of a product of positive integers (None if any is unknown)."""
    found: set[int] = set()
    for number in numbers:
        primes = prime_factors(number)
        if primes is None:
            return None
        found.update(primes)
    return tuple(sorted(found))


def reduced(numerator: int, denominator: int, primes: Sequence[int] | None) -> Fraction:
    """``numerator / denominator`` in lowest terms, given every prime that divides the denominator.

    With ``primes`` None the Fraction reduces itself (by gcd).

    >>> reduced(12, 2**4 * 3, (2, 3))
    Fraction(1, 4)
    """
    if primes is None:
        return Fraction(numerator, denominator)
    return Reducer(denominator, primes)(numerator)


class Reducer:
    """Reduces values over one denominator whose primes are known, without a gcd of its size.

    The denominator's odd prime powers are found once; a value's factor 2 is
    found from its trailing zero bits, and each odd prime only costs a
    remainder by that prime, plus, when it divides the value, a gcd with the
    prime's power in the denominator (small next to the value).
    """

    __slots__ = ("_denominator", "_odd", "_twos")

    def __init__(self, denominator: int, primes: Sequence[int]) -> None:
        self._denominator = denominator
        self._twos = (denominator & -denominator).bit_length() - 1
        self._odd: list[tuple[int, int]] = []
        rest = denominator >> self._twos
        for prime in primes:
            if prime == 2:
                continue
            power = 1
            while True:
                quotient, remainder = divmod(rest, prime)
                if remainder:
                    break
                rest, power = quotient, power * prime
            if power > 1:
                self._odd.append((prime, power))

    def __call__(self, numerator: int) -> Fraction:
        return self.scaled(numerator, 0)

    def scaled(self, mantissa: int, shift: int) -> Fraction:
        """``self(mantissa << shift)``, without making ``mantissa << shift`` where
        the denominator's factors of two cancel it."""
        if mantissa == 0:
            return Fraction(0)
        twos = min((mantissa & -mantissa).bit_length() - 1 + shift, self._twos)
        # (mantissa << shift) >> twos, without the detour through the larger int.
        numerator = mantissa << (shift - twos) if shift >= twos else mantissa >> (twos - shift)
        denominator = self._denominator >> twos
        # The factors of two are out; divide out the odd primes both share.
        for prime, power in self._odd:
            if numerator % prime == 0:
                common = math.gcd(numerator, power)
                numerator //= common
                denominator //= common
        return coprime_fraction(numerator, denominator)


class Over:
    """Exact values ``numerators[i] / denominator``, the primes of the denominator known.

    ``primes`` lists every prime dividing ``denominator`` (None when they are not
    known, and then values are reduced by gcd).

    The numerators may be given binary-scaled: ``Over(mantissas, denominator,
    primes, shifts)`` holds ``numerators[i] = mantissas[i] << shifts[i]``. Decay's
    values along a long chain are powers of two over a denominator of thousands
    of bits; written out, each is an int of thousands of bits, and 10 000 of them
    took megabytes and milliseconds per question. ``numerators`` writes them out
    when first read; ``numerator(i)`` and ``fraction(i)`` read one value.
    """

    __slots__ = ("_numerators", "_reducer", "denominator", "mantissas", "primes", "shifts")

    def __init__(
        self,
        numerators: list[int],
        denominator: int,
        primes: Sequence[int] | None,
        shifts: list[int] | None = None,
    ) -> None:
        self.mantissas = numerators
        self.shifts = shifts
        self.denominator = denominator
        self.primes = None if primes is None else tuple(primes)
        self._numerators = numerators if shifts is None else None
        self._reducer: Reducer | None = None

    @property
    def numerators(self) -> list[int]:
        """Every numerator over ``denominator``, written out."""
        if self._numerators is None:
            assert self.shifts is not None
            self._numerators = list(map(operator.lshift, self.mantissas, self.shifts))
        return self._numerators

    def numerator(self, index: int) -> int:
        """The numerator of the value at ``index``."""
        if self.shifts is None:
            return self.mantissas[index]
        return self.mantissas[index] << self.shifts[index]

    def __len__(self) -> int:
        return len(self.mantissas)

    def fraction(self, index: int) -> Fraction:
        """The value at ``index`` as a Fraction in lowest terms."""
        if self.primes is None:
            return Fraction(self.numerator(index), self.denominator)
        if self._reducer is None:
            self._reducer = Reducer(self.denominator, self.primes)
        shift = 0 if self.shifts is None else self.shifts[index]
        return self._reducer.scaled(self.mantissas[index], shift)

    def text(self, index: int) -> str:
        """The value at ``index`` for an explanation (``term_text``: exact when short)."""
        return term_text(self.fraction(index))

    def fractions(self) -> list[Fraction]:
        return [self.fraction(index) for index in range(len(self.mantissas))]

    def scaled(self, factor: int) -> Over:
        """The same values over ``denominator * factor`` (``factor`` a positive integer)."""
        if factor == 1:
            return self
        primes = None if self.primes is None else primes_of(factor, *self.primes)
        return Over([n * factor for n in self.numerators], self.denominator * factor, primes)


def over_fractions(values: Iterable[Fraction]) -> Over:
    """Fractions over their least common denominator (for policies that compute in Fractions)."""
    listed = list(values)
    denominator = math.lcm(*(value.denominator for value in listed)) if listed else 1
    numerators = [value.numerator * (denominator // value.denominator) for value in listed]
    distinct = {value.denominator for value in listed}
    primes = primes_of(*distinct) if all(d < _TRIAL_LIMIT**2 for d in distinct) else None
    return Over(numerators, denominator, primes)
