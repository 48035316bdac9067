"""Plain value types carried by events: citations, money, kinds, relations, roles.

Every type here is immutable and made of JSON-friendly parts, so events stay
plain data (``transcodings`` teaches the store to write the two dataclasses).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as time_of_day
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar
from uuid import UUID

from ledger.domain.currencies import minor_unit_digits
from ledger.domain.errors import (
    ControlCharacterError,
    InvalidAmountError,
    InvalidHandleError,
    InvalidValueError,
    TextTooLongError,
)
from ledger.domain.numbers import check_decimal_size, parse_bounded_decimal

__all__ = [
    "MAX_AMOUNT",
    "MAX_BODY",
    "MAX_COMMENT",
    "MAX_REASON",
    "MAX_SOURCES",
    "MAX_TITLE",
    "Citation",
    "CreditMode",
    "Kind",
    "Money",
    "Relation",
    "Role",
    "check_text",
    "format_time",
    "normalise_handle",
    "parse_enum",
    "parse_position_or_time",
    "parse_time",
    "parse_time_argument",
    "refused_character",
    "utc_now",
]

MAX_TITLE = 200
MAX_BODY = 100_000
MAX_COMMENT = 10_000
MAX_SOURCES = 32
MAX_NAME = 200
MAX_EXTERNAL_ID = 200
MAX_URI = 2_000
MAX_LICENSE = 100
MAX_REASON = 2_000
#: The largest amount of money recorded, in major units (10^15): statements of it
#: stay exact to the minor unit in every format (18 digits with cents).
MAX_AMOUNT = 10**15

E = TypeVar("E", bound=StrEnum)

_HANDLE = re.compile(r"[a-z0-9_-]{2,32}")


class Kind(StrEnum):
    """What medium a work is in."""

    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    OTHER = "other"


class Relation(StrEnum):
    """How a remix used one of its sources."""

    REMIX = "remix"
    ILLUSTRATION = "illustration"
    ADAPTATION = "adaptation"
    TRANSLATION = "translation"
    AUDIO = "audio"
    EDIT = "edit"
    INSPIRATION = "inspiration"


class Role(StrEnum):
    """Roles granted to members by events."""

    CURATOR = "curator"


class CreditMode(StrEnum):
    """How a member wants to be credited."""

    NAME = "name"
    PSEUDONYM = "pseudonym"
    NONE = "none"


def parse_enum(enum: type[E], value: object, what: str) -> E:
    """Return ``enum(value)`` or raise an error listing the allowed values."""
    try:
        return enum(str(value))
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidValueError(f"{what} {value!r} is not one of: {allowed}") from None


@dataclass(frozen=True, slots=True)
class Citation:
    """One source of a remix: which work, how it was used, and an optional royalty share."""

    work_id: UUID
    relation: Relation
    royalty_percent: Decimal | None = None

    def __post_init__(self) -> None:
        percent = self.royalty_percent
        if percent is not None and not (
            percent.is_finite() and Decimal(0) <= percent <= Decimal(100)
        ):
            raise InvalidValueError(f"royalty_percent {percent} is not between 0 and 100")

    @staticmethod
    def parse_percent(value: object) -> Decimal | None:
        """Read an exact percentage from a string or number (floats are refused as inexact)."""
        if value is None:
            return None
        if isinstance(value, float | bool):
            raise InvalidValueError(
                f'royalty_percent {value!r} must be a decimal string such as "12.5"'
            )
        # Matched as text first (ledger.numbers): "1e-5000" is between 0 and 100 too.
        if isinstance(value, Decimal):
            percent = check_decimal_size(value, "royalty_percent")
        else:
            percent = parse_bounded_decimal(value, "royalty_percent")
        if not percent.is_finite() or not Decimal(0) <= percent <= Decimal(100):
            raise InvalidValueError(f"royalty_percent {value!r} is not between 0 and 100")
        return percent


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount in integer minor units (cents) of an ISO 4217 currency."""

    minor_units: int
    currency: str

    @classmethod
    def parse(cls, amount: object, currency: object) -> Money:
        """Read a decimal string such as ``"1234.56"`` in ``currency``."""
        code = str(currency).upper()
        digits = minor_unit_digits(code)
        if isinstance(amount, float | bool) or not isinstance(amount, str | int):
            raise InvalidAmountError(f'amount {amount!r} must be a decimal string such as "12.34"')
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            raise InvalidAmountError(f"amount {amount!r} is not a number") from None
        if not value.is_finite():
            raise InvalidAmountError(f"amount {amount!r} is not a finite number")
        if value <= 0:
            raise InvalidAmountError(f"amount {amount!r} must be positive")
        if value > MAX_AMOUNT:
            raise InvalidAmountError(
                f"amount {amount!r} is more than {MAX_AMOUNT:,} {code}, the largest amount recorded"
            )
        scaled = value.scaleb(digits)
        if scaled != scaled.to_integral_value():
            raise InvalidAmountError(
                f"amount {amount!r} has more than {digits} decimals, the minor unit of {code}"
            )
        return cls(int(scaled), code)

    def __post_init__(self) -> None:
        minor_unit_digits(self.currency)
        if self.minor_units <= 0:
            raise InvalidAmountError(f"amount {self.minor_units} must be positive")

    def check_recordable(self) -> None:
        """Refuse an amount over ``MAX_AMOUNT`` major units (ledgers recorded before the
        bound still load: the check is the recording command's)."""
        if self.minor_units > MAX_AMOUNT * 10 ** minor_unit_digits(self.currency):
            raise InvalidAmountError(
                f"amount {self} is more than {MAX_AMOUNT:,} {self.currency},"
                " the largest amount recorded"
            )

    @property
    def decimal(self) -> Decimal:
        """The amount in major units, exactly (whatever its size: no context rounding)."""
        return Decimal(f"{self.minor_units}E-{minor_unit_digits(self.currency)}")

    def __str__(self) -> str:
        digits = minor_unit_digits(self.currency)
        return f"{self.decimal:.{digits}f} {self.currency}"

    def format_amount(self) -> str:
        """The amount as the archive writes it, e.g. ``"1234.56"``."""
        return f"{self.decimal:.{minor_unit_digits(self.currency)}f}"


def normalise_handle(handle: str) -> str:
    """Handles are compared without case; return the canonical (lower-case) form."""
    canonical = handle.strip().lower()
    if not _HANDLE.fullmatch(canonical):
        raise InvalidHandleError(
            f"handle {handle!r} must be 2-32 characters of a-z, 0-9, '_' or '-'"
        )
    return canonical


def check_text(
    what: str, text: str, limit: int, *, required: bool = True, prose: bool = False
) -> str:
    """Return ``text`` if it fits ``limit`` characters (and is non-blank when required)
    and holds no character that ``refused_character`` refuses.

    ``prose`` is for bodies and comments, where tab and line breaks are text.
    A command calls this before its event; never an event's body (replay), so
    ledgers recorded before a rule was tightened still load.
    """
    if not isinstance(text, str):
        raise InvalidValueError(f"{what} must be text")
    if required and not text.strip():
        raise TextTooLongError(f"{what} must not be empty")
    if len(text) > limit:
        raise TextTooLongError(f"{what} is {len(text)} characters; the limit is {limit}")
    refused = refused_character(text, prose=prose)
    if refused is not None:
        index, why = refused
        raise ControlCharacterError(
            f"{what} holds {why} (U+{ord(text[index]):04X}) at character {index + 1}; "
            + (
                "of the control characters only tab and line breaks are text"
                if prose
                else "it must be one line of visible text"
            )
        )
    return text


#: The bidirectional embedding, override and isolate controls (Trojan Source,
#: CVE-2021-42574): in a name or title they make it display as another text.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_CATEGORY_NAMES = {
    "Cc": "a control character",
    "Cs": "a lone surrogate",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}


def refused_character(text: str, *, prose: bool = False) -> tuple[int, str] | None:
    """The index of the first character a recorded text may not hold, and why; or None.

    Refused everywhere: control characters (Unicode category Cc: NUL, which
    PostgreSQL's text cannot store, escape sequences, backspace...) and lone
    surrogates (Cs, which UTF-8 cannot encode). In one-line fields (every field
    but ``prose``) also line and paragraph separators (U+2028, U+2029) and the
    bidirectional overrides. In prose, tab, newline and a carriage return that
    starts a CRLF line ending are text; a lone carriage return (which overprints a
    line on a terminal) is not. Other format characters (zero-width joiners of
    emoji and Indic scripts, the direction marks U+200E/U+200F) are text.
    """
    if text.isprintable():  # the common case, in C: none of the above is printable
        return None
    for index, character in enumerate(text):
        if prose and (
            character in "\t\n"
            or (character == "\r" and text.startswith("\n", index + 1))
            or character in _BIDI_CONTROLS
            or character in "\u2028\u2029"
        ):
            continue
        category = unicodedata.category(character)
        if category in _CATEGORY_NAMES:
            return index, _CATEGORY_NAMES[category]
        if character in _BIDI_CONTROLS:
            return index, "a bidirectional override"
    return None


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def parse_time(value: object, what: str = "time") -> datetime:
    """Read an RFC 3339 timestamp (an offset or 'Z' is required) and return it in UTC."""
    if not isinstance(value, str):
        raise InvalidValueError(f"{what} must be an RFC 3339 string, got {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(f"{what} {value!r} is not an RFC 3339 timestamp") from None
    if parsed.tzinfo is None:
        raise InvalidValueError(f"{what} {value!r} has no UTC offset (RFC 3339 needs one)")
    return parsed.astimezone(UTC)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[+-]?\d+")


def parse_time_argument(value: str, what: str, *, end_of_day: bool = False) -> datetime:
    """A time a user typed (``--as-of``, ``--since``, ``--until``, ``?as_of=``): RFC 3339,
    or a plain date YYYY-MM-DD, which means the start of that day in UTC, or its last
    moment with ``end_of_day`` (so ``--until 2024-03-01`` includes that day).

    >>> parse_time_argument("2024-03-01", "--since").isoformat()
    '2024-03-01T00:00:00+00:00'
    >>> parse_time_argument("2024-03-01", "--until", end_of_day=True).isoformat()
    '2024-03-01T23:59:59.999999+00:00'
    """
    text = value.strip()
    if _DATE.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise InvalidValueError(f"{what} {value!r} is not a date") from None
        moment = time_of_day.max if end_of_day else time_of_day.min
        return datetime.combine(day, moment, tzinfo=UTC)
    return parse_time(value, what)


def parse_position_or_time(value: str, what: str) -> int | datetime:
    """An "as of": a position (an integer, 0 or more), or a time as ``parse_time_argument``
    reads it, a date meaning the end of that day (the log as it stood that evening)."""
    text = value.strip()
    if _INTEGER.fullmatch(text):
        position = int(text)
        if position < 0:
            raise InvalidValueError(f"{what} {value!r} is not a position: positions are 0 or more")
        return position
    return parse_time_argument(text, what, end_of_day=True)


def format_time(moment: datetime) -> str:
    """Write a time as RFC 3339 in UTC with a 'Z', keeping microseconds only when present."""
    moment = moment.astimezone(UTC)
    spec = "%Y-%m-%dT%H:%M:%S.%fZ" if moment.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return moment.strftime(spec)
