"""Conditional requests (RFC 9110 §13): a record's ``ETag``, ``If-Match`` on the
writes that act on it, ``If-None-Match`` on its reads.

A record's entity tag is a strong validator of its own stored state: its id and
the version of its last event, ``"<record id>-<version>"``. A write with
``If-Match`` acts only if the record is still at one of the versions it names
(checked by the ledger inside the command's own transaction, see
``Ledger.version_check``), else it answers 412 and records nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from uuid import UUID

from fastapi import Header, Response

from ledger import Ledger

__all__ = [
    "ETAG_HEADERS",
    "NOT_MODIFIED",
    "WRITTEN",
    "IfMatch",
    "IfNoneMatch",
    "conditional_write",
    "etag_of",
    "not_modified",
]

# An entity tag, weak or strong (RFC 9110 §8.8.3), in a comma-separated list.
_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=2000,
        description=(
            "Act only if the record is still at this `ETag` (from a read or an earlier "
            "write), else answer 412 and record nothing. `*` matches any existing record."
        ),
    ),
]
IfNoneMatch = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        max_length=2000,
        description="Answer 304 (no body) when the record is still at one of these `ETag`s.",
    ),
]

ETAG_HEADERS: dict[str, Any] = {
    "ETag": {
        "description": 'The record\'s version, a strong validator: `"<record id>-<version>"`.',
        "schema": {"type": "string"},
    }
}
#: The OpenAPI answer of a write on an existing record: its new ETag.
WRITTEN: dict[int | str, dict[str, Any]] = {
    200: {"description": "Recorded.", "headers": ETAG_HEADERS}
}
#: The OpenAPI answer of a read that honours ``If-None-Match``.
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the record is still at that ETag.", "headers": ETAG_HEADERS}
}


def etag_of(record_id: UUID, version: int) -> str:
    return f'"{record_id}-{version}"'


def _tags(header: str) -> Iterator[tuple[bool, str]]:
    """(weak, opaque tag) for each entity tag of a list header; stops at junk."""
    position = 0
    while position < len(header):
        found = _TAG.match(header, position)
        if found is None:
            return
        yield found.group(1) is not None, found.group(2)
        position = found.end()


def _versions(record_id: UUID, header: str) -> frozenset[int]:
    """The versions of ``record_id`` a header names by strong tags (If-Match compares
    strongly: a weak tag, or another record's, matches nothing)."""
    prefix = f"{record_id}-"
    return frozenset(
        int(tag.removeprefix(prefix))
        for weak, tag in _tags(header)
        if not weak and tag.startswith(prefix) and tag.removeprefix(prefix).isdecimal()
    )


@contextmanager
def conditional_write(
    ledger: Ledger, response: Response, record_id: UUID, if_match: str | None
) -> Iterator[None]:
    """Run the block's ledger commands under ``If-Match`` and answer the record's new
    ``ETag``. ``*`` (or no header) sets no condition: the route has found the record."""
    versions = (
        None if if_match is None or if_match.strip() == "*" else _versions(record_id, if_match)
    )
    with ledger.version_check(record_id, versions) as check:
        yield
    version = check.reached if check.reached is not None else _stored_version(ledger, record_id)
    response.headers["ETag"] = etag_of(record_id, version)


def _stored_version(ledger: Ledger, record_id: UUID) -> int:
    version: int = ledger.repository.get(record_id).version
    return version


def not_modified(
    response: Response, record_id: UUID, version: int, if_none_match: str | None
) -> Response | None:
    """Set the read's ``ETag``; a 304 answer when ``If-None-Match`` names it (weakly)."""
    etag = etag_of(record_id, version)
    response.headers["ETag"] = etag
    if if_none_match is None:
        return None
    matches = if_none_match.strip() == "*" or any(
        f'"{tag}"' == etag for _, tag in _tags(if_none_match)
    )
    return Response(status_code=304, headers={"ETag": etag}) if matches else None
