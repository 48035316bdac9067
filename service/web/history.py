"""A history section (work, member, audit): a page of events from the read models."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from projections.rows import HistoryRow
from service.web.deps import PageServices

__all__ = ["EVENT_TYPES", "HISTORY_PER_PAGE", "entry_row", "history_section"]

#: The events pages show (the catalogue of DESIGN.md); API tokens' issue and revocation
#: (hashes only) are the operator's bookkeeping, left to the API's histories.
EVENT_TYPES = (
    "Registered",
    "Renamed",
    "RoleGranted",
    "CreditPreferenceSet",
    "Contributed",
    "Remixed",
    "SourceCited",
    "Retracted",
    "Commented",
    "CommentRetracted",
    "Voted",
    "VoteChanged",
    "VoteWithdrawn",
    "Created",
    "WorkIncluded",
    "WorkExcluded",
    "Published",
    "PolicyChosen",
    "RevenueRecorded",
    "RoyaltyStatementIssued",
    "ShareWaived",
)

#: Events listed per page of a history.
HISTORY_PER_PAGE = 50


def entry_row(entry: HistoryRow) -> dict[str, Any]:
    return {
        "position": entry.position,
        "occurred_at": entry.occurred_at,
        "recorded_at": entry.recorded_at,
        "type": entry.type,
        "actor": entry.actor,
        "summary": entry.summary,
    }


def history_section(
    services: PageServices, subject: UUID, after: int, as_of: int | None
) -> dict[str, Any]:
    """The events about ``subject`` after position ``after``, and where the next page starts
    (a page may show fewer than ``HISTORY_PER_PAGE`` when it held token events)."""
    page = services.read_models.history(subject, after=after, limit=HISTORY_PER_PAGE, as_of=as_of)
    return {
        "entries": [entry_row(entry) for entry in page.entries if entry.type in EVENT_TYPES],
        "after": after,
        "next_after": page.next_after,
        "position": page.position,
    }
