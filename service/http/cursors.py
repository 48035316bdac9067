"""Opaque page cursors: a kind and a number, so a cursor of one list is refused by another."""

from __future__ import annotations

import base64
import binascii

from ledger.domain.errors import InvalidValueError

__all__ = ["InvalidCursorError", "decode_cursor", "encode_cursor"]


class InvalidCursorError(InvalidValueError):
    """The page cursor is not one this list gave out."""


def encode_cursor(kind: str, number: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{number}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursorError(f"cursor {cursor!r} is not a cursor of this list") from None
    found_kind, _, number = text.partition(":")
    if found_kind != kind or not number.isdigit() or len(number) > 18:
        raise InvalidCursorError(f"cursor {cursor!r} is not a cursor of this list")
    return int(number)
