"""The bodies of Community Payment Proposals and of members' notifications (pydantic).

A module of its own beside ``schemas`` (the same conventions: requests forbid unknown
fields and bound every string and list; ids and shares come out as strings).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from ledger.domain.proposal_rules import MAX_REASON
from service.http.schemas import DecimalText, Incoming, Reference, Written

__all__ = [
    "NotificationPublic",
    "NotificationsPublic",
    "NotificationsRead",
    "ObjectionAnswer",
    "ObjectionCreate",
    "ProposalCancel",
    "ProposalComment",
    "ProposalCreate",
    "ProposalOpen",
    "ProposalPublic",
    "ProposalRevision",
    "ProposalSummary",
    "ProposalWritten",
    "ProposalsPublic",
]

Reason = Annotated[str, Field(min_length=1, max_length=MAX_REASON)]
#: A member in a role credit, as a client names them (no comma: the list's separator).
RoleMember = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^,]+$")]


class ProposalCreate(Incoming):
    """Draft the proposal of one payment: ``revenue`` #N or ``budget`` #N (exactly one)."""

    revenue: int | None = Field(None, ge=1, le=1_000_000)
    budget: int | None = Field(None, ge=1, le=1_000_000)


class ProposalRevision(Incoming):
    """One revision, with its reason. ``role_credit``: ``role``, ``percent`` (of the pool)
    and ``members``; ``return_share``: ``member``; ``override``: ``member`` and
    ``percent``; ``recompute``: nothing more (the lineage as it is now)."""

    kind: Literal["role_credit", "return_share", "override", "recompute"]
    reason: Reason
    role: str | None = Field(None, min_length=1, max_length=200, pattern=r"^[^=:,]+$")
    percent: DecimalText | None = None
    member: Reference | None = None
    members: list[RoleMember] | None = Field(None, min_length=1, max_length=1000)


class ProposalOpen(Incoming):
    """Open the comment window: ``window_days`` (the deployment's minimum if not given)."""

    window_days: int | None = Field(None, ge=1, le=3660)


class ProposalComment(Incoming):
    text: Reason


class ObjectionCreate(Incoming):
    """An objection to a line (``line``: the member) or to the whole proposal."""

    kind: Literal["left_out", "too_much", "too_little", "other"]
    text: Reason
    line: Reference | None = None


class ObjectionAnswer(Incoming):
    decision: Literal["accepted", "declined"]
    reason: Reason


class ProposalCancel(Incoming):
    reason: Reason


class ProposalWritten(Written):
    """What a proposal's write answers: its id, state and version (``ETag`` too)."""

    proposal_id: str
    state: str
    version: int
    objection_id: str | None = Field(None, description="The objection a POST .../objections made.")


class ProposalSummary(BaseModel):
    proposal_id: str
    production_id: str
    payment: str
    state: str
    version: int
    closes_at: datetime | None


class ProposalsPublic(BaseModel):
    """A page of proposals; ``next`` is the cursor of the next page (None: the last)."""

    proposals: list[ProposalSummary]
    next: str | None


class ProposalPublic(BaseModel):
    """A proposal with the lines of one version (the last unless ``?version=N``)."""

    proposal_id: str
    production_id: str
    payment: str
    state: str
    currency: str
    pool_minor: int
    window_days: int | None
    closes_at: datetime | None
    version: int = Field(description="The version whose lines are shown.")
    latest_version: int
    lines: list[dict[str, Any]]
    versions: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    objections: list[dict[str, Any]]
    final_version: int | None
    statement_position: int | None
    cancel_reason: str | None
    payouts: list[dict[str, Any]]
    position: int


class NotificationPublic(BaseModel):
    notification_id: str
    proposal_id: str
    kind: str
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None
    position: int


class NotificationsPublic(BaseModel):
    """The token's member's notifications, newest first."""

    notifications: list[NotificationPublic]
    unread: int = Field(description="How many of those shown are unread.")


class NotificationsRead(Incoming):
    """Mark these notifications read (the member's own flag, kept outside the log)."""

    notifications: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        min_length=1, max_length=1000
    )
