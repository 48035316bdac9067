"""The productions that pay under the ``absolute`` policy, found in the log.

Ancestors' stacked royalty claims bind only where a production pays a work
under ``absolute`` (Story Protocol's LAP; ``ledger.royalty_stack``). A citation
added to a work W after the fact raises the stack of W and of every work built
on it, so ``cite`` asks which works such productions include. The ledger keeps
no index of policies; a production that ever chose ``absolute`` names it in a
``PolicyChosen`` event, found through the recorder's public
``select_notifications`` (citations after the fact are rare). The caller loads
each candidate to see the policy it pays under now.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper
from eventsourcing.utils import get_topic

from ledger.domain.production import Production

__all__ = ["ABSOLUTE_POLICY", "pays_absolute", "productions_that_chose_absolute"]

#: The policy name (``lineage.policies``) under which ancestors' claims stack.
ABSOLUTE_POLICY = "absolute"

_POLICY_CHOSEN = get_topic(Production.PolicyChosen)
_PAGE = 10_000


def pays_absolute(policy: str) -> bool:
    """True when a production's recorded policy name is ``absolute`` (as the policies read it)."""
    return policy.strip().lower() == ABSOLUTE_POLICY


def productions_that_chose_absolute(
    recorder: ApplicationRecorder, mapper: Mapper[UUID]
) -> set[UUID]:
    """Every production whose log holds a choice of ``absolute`` (it may have chosen again)."""
    found: set[UUID] = set()
    start = 1
    while True:
        page = recorder.select_notifications(start, _PAGE, topics=[_POLICY_CHOSEN])
        for notification in page:
            event = mapper.to_domain_event(notification)
            if isinstance(event, Production.PolicyChosen) and pays_absolute(event.policy):
                found.add(event.originator_id)
        if len(page) < _PAGE:
            return found
        start = page[-1].id + 1
