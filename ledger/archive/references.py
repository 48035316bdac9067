"""What both import paths derive from a line the same way: ids from references, keys, times."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from ledger.archive.schema import Line, SourceRef
from ledger.domain.errors import LedgerError
from ledger.domain.values import Citation, Relation, parse_enum, utc_now

__all__ = ["Derived", "citation", "content_key", "resolve", "when"]

# json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False),
# without building an encoder for every call.
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode

# For each way of deriving an id (member_id_for...): external id -> aggregate id.
Derived = dict[Callable[[str], UUID], dict[str, UUID]]


def resolve(
    reference: str,
    derive: Callable[[str], UUID],
    is_one: Callable[[UUID], bool],
    derived: Derived,
    error: type[LedgerError],
    what: str,
) -> UUID:
    """The id of the record ``reference`` names: an id itself, or an external id.

    ``is_one(id)`` says whether a record of the wanted kind has that id;
    ``derived`` caches ``derive`` for the whole import (an archive names the same
    members and works again and again, and uuid5 costs ~3 us).
    """
    if len(reference) >= 32:  # shorter text is no UUID: spare the failing parse (~2 us)
        try:
            candidate = UUID(reference)
        except ValueError:
            pass
        else:
            if is_one(candidate):
                return candidate
    known = derived.get(derive)
    if known is None:
        known = derived[derive] = {}
    derived_id = known.get(reference)
    if derived_id is None:
        derived_id = known[reference] = derive(reference)
    if is_one(derived_id):
        return derived_id
    raise error(f"unknown {what} {reference!r} (a line may only refer to records above it)")


def citation(source: SourceRef, work_id: UUID) -> Citation:
    """The citation of a source a line names, once its work is resolved to ``work_id``."""
    return Citation(
        work_id, parse_enum(Relation, source.relation, "relation"), source.royalty_percent
    )


def content_key(line: Line) -> str:
    """An idempotency key for an act without an id: a digest of the line's content."""
    canonical = _canonical(line.raw)
    return "archive:" + hashlib.sha256(canonical.encode()).hexdigest()[:32]


def when(moment: datetime | None) -> datetime:
    """The time a line gives, or now when it gives none."""
    return moment if moment is not None else utc_now()
