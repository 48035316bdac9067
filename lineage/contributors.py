"""A member as credits see them: their name, handle and how they asked to be credited.

``Contributor`` is one state of a member (the lineage graph keeps each state with
the position from which it holds); ``CreditHead`` is the same state as the head of
a credit line, the form credits read by the thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ledger.domain.values import CreditMode

__all__ = ["Contributor", "CreditHead"]

#: A member as a credit line starts: (member id, external id, handle, credited as).
CreditHead = tuple[UUID, str | None, str, str | None]


@dataclass(frozen=True, slots=True)
class Contributor:
    """A member as credits see them at one moment."""

    member_id: UUID
    handle: str
    name: str
    external_id: str | None
    credit_mode: CreditMode = CreditMode.NAME
    pseudonym: str | None = None

    @property
    def credited_as(self) -> str | None:
        """The name to print in credits; None when the member asked for no credit."""
        if self.credit_mode is CreditMode.NONE:
            return None
        if self.credit_mode is CreditMode.PSEUDONYM:
            return self.pseudonym
        return self.name
