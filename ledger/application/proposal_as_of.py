"""A proposal as it stood at a past position of the log (``proposal show --as-of``).

The ledger loads an aggregate at a version; this finds the version: the last of the
proposal's own events recorded at or before the position. Only the proposal's topics
are read from the log, up to that position.
"""

from __future__ import annotations

from uuid import UUID

from ledger.application.ledger import Ledger
from ledger.domain.proposal import Proposal
from ledger.domain.proposal_errors import UnknownProposalError

__all__ = ["proposal_as_of"]

PAGE = 1000


def proposal_as_of(ledger: Ledger, proposal_id: UUID, position: int) -> Proposal:
    """The proposal with only the events recorded at or before ``position``."""
    topics = sorted({stored.topic for stored in ledger.recorder.select_events(proposal_id)})
    if not topics:
        raise UnknownProposalError(f"no proposal has id {proposal_id}")
    version = 0
    start = 1
    while start <= position:
        page = ledger.recorder.select_notifications(
            start=start, limit=PAGE, stop=position, topics=topics
        )
        for notification in page:
            if notification.originator_id == proposal_id:
                version = max(version, notification.originator_version)
        if len(page) < PAGE:
            break
        start = page[-1].id + 1
    if version == 0:
        raise UnknownProposalError(
            f"proposal {proposal_id} was not drafted yet at position {position}"
        )
    found: object = ledger.repository.get(proposal_id, version=version)
    assert isinstance(found, Proposal)
    return found
