"""Exact numbers written as text, read only when they are small enough to compute with.

A leaf module (it imports only the ledger's errors). ``Fraction`` and ``Decimal``
accept exponents: ``Fraction("1e-10000000")`` builds a ten-million-digit
denominator, and every royalty computed with it holds the interpreter for
seconds to hours. So a number given to the ledger, the API, the CLI, the pages
or an import is first matched as text, before anything computes with it:

- at most ``MAX_NUMBER_CHARS`` characters;
- written ``123``, ``0.25`` or ``1/3`` (a sign is allowed, never an exponent,
  ``_``, ``inf`` or ``nan``);
- at most ``MAX_NUMBER_DIGITS`` digits in its numerator and in its denominator:
  in ``a/b`` each of ``a`` and ``b``; in a decimal all its digits, and at most
  ``MAX_NUMBER_DIGITS`` after the point (its denominator is a power of ten).

Ranges (a percentage from 0 to 100, ``r`` from 0 to 1) are the caller's rule.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from ledger.domain.errors import InvalidValueError

__all__ = [
    "MAX_NUMBER_CHARS",
    "MAX_NUMBER_DIGITS",
    "check_decimal_size",
    "parse_bounded_decimal",
    "parse_bounded_fraction",
]

#: The longest number accepted, in characters (sign, digits, point or slash).
MAX_NUMBER_CHARS = 40
#: The most digits in a number's numerator, and in its denominator.
MAX_NUMBER_DIGITS = 18

_DECIMAL = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?")
_RATIO = re.compile(r"([+-]?)([0-9]+)/([0-9]+)")
_EXAMPLES = 'such as "3", "0.25" or "1/3"'


def _shown(text: str) -> str:
    # A refused value is named in the message, but never at full length.
    return repr(text) if len(text) <= 2 * MAX_NUMBER_CHARS else repr(text[:40] + "...")


def _number_text(value: object, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidValueError(f"{what} {value!r} must be an exact number written {_EXAMPLES}")
    if isinstance(value, int) and abs(value) >= 10**MAX_NUMBER_DIGITS:
        # Never written out: str() of a huge int is itself slow.
        raise InvalidValueError(f"{what} has more than {MAX_NUMBER_DIGITS} digits")
    text = value.strip() if isinstance(value, str) else str(value)
    if len(text) > MAX_NUMBER_CHARS:
        raise InvalidValueError(
            f"{what} {_shown(text)} is {len(text)} characters long;"
            f" a number is at most {MAX_NUMBER_CHARS}"
        )
    return text


def _too_many_digits(what: str, text: str) -> InvalidValueError:
    return InvalidValueError(
        f"{what} {text!r} has more than {MAX_NUMBER_DIGITS} digits"
        " in its numerator or its denominator"
    )


def parse_bounded_decimal(value: object, what: str) -> Decimal:
    """A decimal written ``12`` or ``12.5`` (no exponent, no fraction), within the bounds.

    >>> parse_bounded_decimal("12.5", "pool_percent")
    Decimal('12.5')
    >>> parse_bounded_decimal("1e-5000", "pool_percent")
    Traceback (most recent call last):
    ...
    ledger.domain.errors.InvalidValueError: pool_percent '1e-5000' is not a decimal such as "12.5"
    """
    text = _number_text(value, what)
    match = _DECIMAL.fullmatch(text)
    if match is None:
        raise InvalidValueError(f'{what} {_shown(text)} is not a decimal such as "12.5"')
    whole, places = match.group(2), match.group(3) or ""
    if len((whole + places).lstrip("0")) > MAX_NUMBER_DIGITS or len(places) > MAX_NUMBER_DIGITS:
        raise _too_many_digits(what, text)
    return Decimal(text)


def parse_bounded_fraction(value: object, what: str) -> Fraction:
    """An exact number written ``3``, ``0.25`` or ``1/3``, within the bounds.

    >>> parse_bounded_fraction("1/3", "decay r"), parse_bounded_fraction("0.25", "r")
    (Fraction(1, 3), Fraction(1, 4))
    >>> parse_bounded_fraction("1e-10000000", "r")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ledger.domain.errors.InvalidValueError: r '1e-10000000' is not a number such as "3", ...
    """
    text = _number_text(value, what)
    ratio = _RATIO.fullmatch(text)
    if ratio is None:
        if _DECIMAL.fullmatch(text) is None:
            raise InvalidValueError(f"{what} {_shown(text)} is not a number {_EXAMPLES}")
        return Fraction(parse_bounded_decimal(text, what))
    sign, numerator, denominator = ratio.groups()
    if max(len(numerator.lstrip("0")), len(denominator.lstrip("0"))) > MAX_NUMBER_DIGITS:
        raise _too_many_digits(what, text)
    if not denominator.strip("0"):
        raise InvalidValueError(f"{what} {text!r} divides by zero")
    return Fraction(int(sign + numerator), int(denominator))


def check_decimal_size(value: Decimal, what: str) -> Decimal:
    """Refuse a Decimal (already parsed, or read back from the log) too large to compute with:
    more than ``MAX_NUMBER_DIGITS`` significant digits or places, or not finite."""
    if not value.is_finite():
        raise InvalidValueError(f"{what} {value} is not a finite number")
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    significant = len(digits) + max(exponent, 0)
    if significant > MAX_NUMBER_DIGITS or -exponent > MAX_NUMBER_DIGITS:
        shown = _shown(str(value))
        raise InvalidValueError(
            f"{what} {shown} has more than {MAX_NUMBER_DIGITS} digits"
            " in its numerator or its denominator"
        )
    return value
