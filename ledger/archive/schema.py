"""The shape of each archive line: its type, required and optional fields, and their values.

``parse_line`` turns one line of text into a ``Line`` whose field values are
already converted (times to aware datetimes, percentages to Decimals), or raises
``LineError`` with a reason that names the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledger.domain.errors import LedgerError
from ledger.domain.values import Citation, parse_time

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "LINE_TYPES", "Line", "LineError", "parse_line"]

FORMAT_NAME = "remix-ledger-archive"
FORMAT_VERSION = 2


class LineError(ValueError):
    """One archive line is malformed; the message says which field and why."""


def _check_no_lone_surrogate(value: Any, field: str) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            code = f"\\u{ord(value[error.start]):04x}"
            name = repr(field) if field else "a key"
            raise LineError(
                f"{name} holds a lone surrogate ({code}), which is not Unicode text"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_no_lone_surrogate(key, "")
            _check_no_lone_surrogate(item, f"{field}.{key}" if field else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_no_lone_surrogate(item, f"{field}[{index}]")


Converter = Callable[[str, Any], Any]


def _text(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise LineError(f"{field!r} must be a string, got {json.dumps(value)}")
    return value


def _reference(field: str, value: Any) -> str:
    if isinstance(value, str):
        if value.strip():
            return value
        raise LineError(f"{field!r} must not be empty")
    return _text(field, value)  # not a string: raises


def _references(field: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise LineError(f"{field!r} must be a list of ids")
    return [_reference(f"{field}[{index}]", item) for index, item in enumerate(value)]


def _time(field: str, value: Any) -> datetime:
    try:
        return parse_time(value, repr(field))
    except LedgerError as error:
        raise LineError(str(error)) from None


def _vote_value(field: str, value: Any) -> int:
    if isinstance(value, bool) or value not in (1, -1):
        raise LineError(f"{field!r} must be 1 or -1, got {json.dumps(value)}")
    return int(value)


def _amount(field: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise LineError(f'{field!r} must be a decimal string such as "12.34"')
    return str(value)


def _string_map(field: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise LineError(f"{field!r} must be an object of strings")
    return dict(value)


def _object(field: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise LineError(f"{field!r} must be an object")
    return dict(value)


def _positive_int(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise LineError(f"{field!r} must be a whole number from 1")
    return value


def _version(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LineError(f"{field!r} must be an integer")
    return value


@dataclass(frozen=True)
class SourceRef:
    """A source named in an archive line, before its id is resolved."""

    id: str
    relation: str
    royalty_percent: Decimal | None


def _source(field: str, value: Any) -> SourceRef:
    if not isinstance(value, dict):
        raise LineError(f"{field!r} must be an object with 'id' and 'relation'")
    unknown = set(value) - {"id", "relation", "royalty_percent"}
    if unknown:
        raise LineError(f"{field!r} has unknown field(s): {', '.join(sorted(unknown))}")
    for required in ("id", "relation"):
        if required not in value:
            raise LineError(f"{field!r} lacks {required!r}")
    try:
        percent = Citation.parse_percent(value.get("royalty_percent"))
    except LedgerError as error:
        raise LineError(f"{field}: {error}") from None
    return SourceRef(
        id=_reference(f"{field}.id", value["id"]),
        relation=_text(f"{field}.relation", value["relation"]),
        royalty_percent=percent,
    )


def _sources(field: str, value: Any) -> list[SourceRef]:
    if not isinstance(value, list):
        raise LineError(f"{field!r} must be a list")
    return [_source(f"{field}[{index}]", item) for index, item in enumerate(value)]


@dataclass(frozen=True)
class LineType:
    required: Mapping[str, Converter]
    optional: Mapping[str, Converter]
    allowed: frozenset[str] = frozenset()  # filled in: "type" and every field above

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed", frozenset({"type", *self.required, *self.optional}))


_BY = {"by": _reference}

LINE_TYPES: dict[str, LineType] = {
    "archive": LineType({"format": _text, "version": _version}, {}),
    "member": LineType(
        {"id": _reference, "handle": _text},
        {"name": _text, "joined_at": _time, **_BY},
    ),
    "member_renamed": LineType({"member": _reference, "name": _text, "renamed_at": _time}, {**_BY}),
    "role": LineType({"member": _reference, "role": _text, "granted_at": _time}, {**_BY}),
    "credit_preference": LineType(
        {"member": _reference, "credit": _text, "set_at": _time},
        {"pseudonym": _text, **_BY},
    ),
    "work": LineType(
        {"id": _reference, "authors": _references, "title": _text, "kind": _text},
        {
            "created_at": _time,
            "body": _text,
            "uri": _text,
            "license": _text,
            "sources": _sources,
            **_BY,
        },
    ),
    "citation": LineType({"work": _reference, "source": _source, "cited_at": _time}, {**_BY}),
    "work_retraction": LineType(
        {"work": _reference, "retracted_at": _time}, {"reason": _text, **_BY}
    ),
    "comment": LineType(
        {"id": _reference, "work": _reference, "author": _reference, "text": _text},
        {"created_at": _time},
    ),
    "comment_retraction": LineType({"comment": _reference, "retracted_at": _time}, {**_BY}),
    "vote": LineType(
        {"work": _reference, "member": _reference, "value": _vote_value},
        {"created_at": _time},
    ),
    "vote_withdrawal": LineType(
        {"work": _reference, "member": _reference, "withdrawn_at": _time}, {}
    ),
    "production": LineType(
        {"id": _reference, "title": _text, "curator": _reference},
        {"works": _references, "created_at": _time, "published_at": _time, **_BY},
    ),
    "inclusion": LineType(
        {"production": _reference, "work": _reference, "included_at": _time}, {**_BY}
    ),
    "exclusion": LineType(
        {"production": _reference, "work": _reference, "excluded_at": _time}, {**_BY}
    ),
    "publication": LineType({"production": _reference, "published_at": _time}, {**_BY}),
    "policy": LineType(
        {"production": _reference, "policy": _text, "chosen_at": _time},
        {"params": _string_map, "pool_percent": _amount, "weights": _string_map, **_BY},
    ),
    "waiver": LineType(
        {"production": _reference, "member": _reference, "waived_at": _time}, {**_BY}
    ),
    "statement": LineType(
        {
            "production": _reference,
            "revenue": _positive_int,
            "statement": _object,
            "issued_at": _time,
        },
        {**_BY},
    ),
    "revenue": LineType(
        {"production": _reference, "amount": _amount, "currency": _text},
        {"id": _reference, "received_at": _time, **_BY},
    ),
}


@dataclass(frozen=True)
class Line:
    """One parsed archive line: its type and converted fields (absent optionals are None)."""

    type: str
    fields: Mapping[str, Any]
    raw: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.fields.get(name)


# A \uD800-\uDFFF escape: half of a surrogate pair, or a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_line(text: str) -> Line:
    """Parse one line of an archive; raise ``LineError`` saying what is wrong."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise LineError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(raw, dict):
        raise LineError("a line must be a JSON object")
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        # JSON lets an escape name half a surrogate pair alone; such a string is
        # no Unicode text and cannot be stored (UTF-8 has no encoding for it).
        _check_no_lone_surrogate(raw, "")
    kind = raw.get("type")
    if not isinstance(kind, str):
        raise LineError('the line has no "type"')
    line_type = LINE_TYPES.get(kind)
    if line_type is None:
        raise LineError(f"unknown type {kind!r}; known: {', '.join(sorted(LINE_TYPES))}")
    if not line_type.allowed.issuperset(raw):
        unknown = raw.keys() - line_type.allowed
        raise LineError(f"unknown field(s) for a {kind}: {', '.join(sorted(unknown))}")
    fields: dict[str, Any] = {}
    for name, convert in line_type.required.items():
        if name not in raw:
            raise LineError(f"a {kind} needs {name!r}")
        fields[name] = convert(name, raw[name])
    for name, convert in line_type.optional.items():
        value = raw.get(name)
        if value is not None:
            fields[name] = convert(name, value)
    return Line(kind, fields, raw)
