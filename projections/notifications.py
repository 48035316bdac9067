"""Which members a Community Payment Proposal's events notify, and what they are told.

Pure functions over the events' payloads (issue 22's contract, ``ledger.domain.proposal``):

- ``Opened``: every payee (role-credit members are payees: lines with a role);
- ``Revised``: only while the proposal is open (a draft's revisions are the curator's
  own work), every payee of the new version and of the one before, so that a member
  whose share was returned hears of it too;
- ``Answered``: the member whose objection it answers;
- ``Finalized``: every payee of the final version.

``follow`` folds a proposal's events into what the mapping needs to remember between
them (payees, state, currency, objectors), so the projection needs nothing but the log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from ledger.domain.currencies import minor_unit_digits

__all__ = ["NOTIFYING_EVENTS", "Notice", "ProposalFollow", "follow", "notifications_for"]

NOTIFYING_EVENTS = frozenset({"Opened", "Revised", "Answered", "Finalized"})


@dataclass(frozen=True)
class Notice:
    """One notification for one member."""

    member_id: UUID
    kind: str  # opened | revised | answered | finalized
    subject: str
    body: str


@dataclass(frozen=True)
class ProposalFollow:
    """What the projection remembers of one proposal between its events."""

    state: str = "draft"  # draft | open | final | cancelled
    currency: str = ""
    lines: tuple[tuple[UUID, int], ...] = ()  # (member, amount in minor units), in order
    objectors: Mapping[str, UUID] = field(default_factory=dict)

    @property
    def payees(self) -> tuple[UUID, ...]:
        return tuple(dict.fromkeys(member for member, _ in self.lines))


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _lines(payload: Mapping[str, Any]) -> tuple[tuple[UUID, int], ...]:
    return tuple(
        (_uuid(line["member_id"]), int(line["amount_minor"])) for line in payload.get("lines", ())
    )


def follow(state: ProposalFollow, event_name: str, payload: Mapping[str, Any]) -> ProposalFollow:
    """The proposal as the projection knows it after one more of its events."""
    if event_name == "Drafted":
        return ProposalFollow("draft", str(payload.get("currency", "")), _lines(payload))
    if event_name == "Revised":
        return replace(state, lines=_lines(payload))
    if event_name == "Opened":
        return replace(state, state="open")
    if event_name == "Objected":
        if payload.get("actor_id") is None:
            return state  # the operator objected: no member to answer
        objectors = {**state.objectors, str(payload["objection_id"]): _uuid(payload["actor_id"])}
        return replace(state, objectors=objectors)
    if event_name == "Finalized":
        return replace(state, state="final")
    if event_name == "Cancelled":
        return replace(state, state="cancelled")
    return state


def _amount(amount_minor: int, currency: str) -> str:
    digits = minor_unit_digits(currency) if currency else 2
    sign = "-" if amount_minor < 0 else ""
    whole, part = divmod(abs(amount_minor), 10**digits)
    return (
        f"{sign}{whole}.{part:0{digits}d} {currency}".strip()
        if digits
        else f"{sign}{whole} {currency}"
    )


def _your_line(follow_state: ProposalFollow, member: UUID) -> str:
    amounts = [amount for who, amount in follow_state.lines if who == member]
    if not amounts:
        return "You have no line in this version."
    return f"Your line: {_amount(sum(amounts), follow_state.currency)}."


def notifications_for(
    event_name: str,
    payload: Mapping[str, Any],
    payees: Sequence[UUID | str],
    *,
    is_open: bool = True,
    objector: UUID | str | None = None,
    proposal: ProposalFollow | None = None,
) -> list[Notice]:
    """The notices one proposal event gives.

    ``payees``: who the event concerns (the payees after it; for a revision, those
    before it too); ``is_open``: whether the proposal was open when it happened;
    ``objector``: for ``Answered``, who made the objection; ``proposal``: the proposal
    after the event, for the amounts in the text.
    """
    members = list(dict.fromkeys(_uuid(member) for member in payees))
    known = proposal or ProposalFollow()
    if event_name == "Opened":
        closes = str(payload.get("closes_at", ""))[:10]
        return [
            Notice(
                m,
                "opened",
                "A Community Payment Proposal includes you",
                f"The proposal is open for comments and objections until {closes}."
                f" {_your_line(known, m)}",
            )
            for m in members
        ]
    if event_name == "Revised":
        if not is_open:
            return []
        reason = str(payload.get("reason", ""))
        version = payload.get("version")
        return [
            Notice(
                m,
                "revised",
                f"A Community Payment Proposal was revised (version {version})",
                f"Reason: {reason}. {_your_line(known, m)}",
            )
            for m in members
        ]
    if event_name == "Answered":
        if objector is None:
            return []
        decision = str(payload.get("decision", ""))
        return [
            Notice(
                _uuid(objector),
                "answered",
                f"Your objection was {decision}",
                f"The curators {decision} your objection: {payload.get('reason', '')}",
            )
        ]
    if event_name == "Finalized":
        return [
            Notice(
                m,
                "finalized",
                "Final Community Payments are posted",
                f"The proposal is final (version {payload.get('version')}). {_your_line(known, m)}",
            )
            for m in members
        ]
    return []
