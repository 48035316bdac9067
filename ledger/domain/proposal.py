"""The Proposal aggregate: a Community Payment Proposal, the process around a statement.

States: ``draft`` -> ``open`` -> ``final``; ``draft`` or ``open`` -> ``cancelled``.
Every version of its lines stays readable (``version(n)``). The rules are checked
in the public methods (``check_*``) before an event is triggered: an ``@event``
body only applies state, since it runs again on every replay. Lines and their rules:
``ledger.domain.proposal_rules``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.errors import InvalidValueError, PermissionDeniedError
from ledger.domain.pools import parse_payment
from ledger.domain.proposal_errors import (
    ProposalStateError,
    UnansweredObjectionError,
    WindowNotClosedError,
)
from ledger.domain.proposal_rules import (
    BACK_OUTCOMES,
    DECISIONS,
    MAX_REASON,
    MIN_WINDOW_DAYS,
    OBJECTION_KINDS,
    OUTCOMES,
    REVISION_KINDS,
    check_lines,
)
from ledger.domain.values import check_text

__all__ = ["Proposal"]


class Proposal(Aggregate):
    """One payment's Community Payment Proposal, from draft to final (or cancelled)."""

    class Drafted(Aggregate.Created):
        production_id: UUID
        payment: str
        currency: str
        pool_minor: int
        lines: list[dict[str, Any]]
        version: int
        actor_id: UUID | None
        occurred_at: datetime

    def __init__(
        self,
        *,
        production_id: UUID,
        payment: str,
        currency: str,
        pool_minor: int,
        lines: list[dict[str, Any]],
        version: int,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.production_id = production_id
        self.payment = payment
        self.currency = currency
        self.pool_minor = pool_minor
        self.state = "draft"
        self.drafted_at = occurred_at
        self.drafted_by = actor_id
        self.versions: list[dict[str, Any]] = [
            {
                "version": version,
                "kind": "draft",
                "reason": None,
                "change": None,
                "lines": list(lines),
                "actor_id": None if actor_id is None else str(actor_id),
                "occurred_at": occurred_at.isoformat(),
            }
        ]
        self.window_days: int | None = None
        self.opened_at: datetime | None = None
        self.closes_at: datetime | None = None
        self.comments: list[dict[str, Any]] = []
        self.objections: dict[str, dict[str, Any]] = {}
        self.final_version: int | None = None
        self.finalized_at: datetime | None = None
        self.statement_position: int | None = None
        self.cancel_reason: str | None = None
        self.payouts: list[dict[str, Any]] = []

    @classmethod
    def draft(
        cls,
        *,
        id: UUID,
        production_id: UUID,
        payment: str,
        currency: str,
        pool_minor: int,
        lines: list[dict[str, Any]],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> Proposal:
        parse_payment(payment)
        if pool_minor < 0:
            raise InvalidValueError("a pool is never negative")
        check_lines(lines, pool_minor)
        return cls._create(
            cls.Drafted,
            id=id,
            production_id=production_id,
            payment=payment,
            currency=currency,
            pool_minor=pool_minor,
            lines=lines,
            version=1,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    # ------------------------------------------------------------------ reads

    @property
    def version_number(self) -> int:
        return int(self.versions[-1]["version"])

    @property
    def lines(self) -> list[dict[str, Any]]:
        return list(self.versions[-1]["lines"])

    def version_at(self, number: int) -> dict[str, Any]:
        """Version ``number`` (1 = the draft), as it was recorded."""
        if not 1 <= number <= len(self.versions):
            raise InvalidValueError(
                f"the proposal has {len(self.versions)} version(s), not #{number}"
            )
        return self.versions[number - 1]

    @property
    def payees(self) -> list[UUID]:
        """The members of the latest version's lines (role members included)."""
        return list(dict.fromkeys(UUID(line["member_id"]) for line in self.lines))

    @property
    def unanswered(self) -> list[str]:
        return [oid for oid, o in self.objections.items() if o["answer"] is None]

    # ----------------------------------------------------------------- checks

    def check_state(self, act: str, *states: str) -> None:
        if self.state not in states:
            raise ProposalStateError(
                f"the proposal is {self.state}; it can {act} only while {' or '.join(states)}"
            )

    @staticmethod
    def check_reason(reason: str) -> None:
        check_text("reason", reason, MAX_REASON, prose=True)
        if not reason.strip():
            raise InvalidValueError("a reason is required")

    def check_can_revise(self, kind: str, reason: str, lines: list[dict[str, Any]]) -> None:
        self.check_state("be revised", "draft", "open")
        if kind not in REVISION_KINDS:
            raise InvalidValueError(f"a revision is one of {', '.join(REVISION_KINDS)}")
        self.check_reason(reason)
        check_lines(lines, self.pool_minor)

    def check_can_open(self, window_days: int, minimum_days: int) -> None:
        self.check_state("be opened", "draft")
        shortest = max(MIN_WINDOW_DAYS, minimum_days)
        if window_days < shortest:
            raise InvalidValueError(
                f"the comment window lasts at least {shortest} days, not {window_days}"
            )

    def check_can_comment(self, actor_id: UUID | None, text: str) -> None:
        self.check_state("take comments", "open")
        if actor_id is None:
            raise PermissionDeniedError("a comment is a member's: say who (--as)")
        check_text("comment", text, MAX_REASON, prose=True)
        if not text.strip():
            raise InvalidValueError("a comment needs text")

    def check_can_object(
        self, actor_id: UUID | None, kind: str, line_member_id: UUID | None, text: str
    ) -> None:
        self.check_state("take objections", "open")
        if kind not in OBJECTION_KINDS:
            raise InvalidValueError(f"an objection is one of {', '.join(OBJECTION_KINDS)}")
        if actor_id is None:
            raise PermissionDeniedError("an objection is a member's: say who (--as)")
        if kind != "left_out" and actor_id not in self.payees:
            raise PermissionDeniedError(
                "only a payee may object to a proposal, or a member who says they were left out"
            )
        if line_member_id is not None and line_member_id not in self.payees:
            raise InvalidValueError("the proposal has no line for that member")
        self.check_reason(text)

    def check_can_answer(self, objection_id: str, decision: str, reason: str) -> None:
        self.check_state("answer objections", "open")
        if objection_id not in self.objections:
            raise InvalidValueError(f"the proposal has no objection {objection_id!r}")
        if self.objections[objection_id]["answer"] is not None:
            raise ProposalStateError(f"objection {objection_id} was answered already")
        if decision not in DECISIONS:
            raise InvalidValueError("an answer accepts or declines")
        self.check_reason(reason)

    def check_can_finalize(self, now: datetime) -> None:
        self.check_state("be finalized", "open")
        assert self.closes_at is not None
        if now < self.closes_at:
            raise WindowNotClosedError(
                f"the comment window closes on {self.closes_at:%Y-%m-%d %H:%M} UTC;"
                " the proposal can be finalized from then on"
            )
        if self.unanswered:
            raise UnansweredObjectionError(
                f"objection(s) {', '.join(self.unanswered)} are unanswered; answer each first"
            )

    def check_can_cancel(self, reason: str) -> None:
        self.check_state("be cancelled", "draft", "open")
        self.check_reason(reason)

    def check_can_record_payout(self, member_id: UUID, outcome: str, amount_minor: int) -> None:
        self.check_state("record payouts", "final")
        if outcome not in OUTCOMES:
            raise InvalidValueError(f"a payout outcome is one of {', '.join(OUTCOMES)}")
        if member_id not in self.payees:
            raise InvalidValueError("the final proposal has no line for that member")
        if amount_minor < 0:
            raise InvalidValueError("a payout amount is never negative")
        # One payout per member and proposal: its money comes back to the balance
        # once, however many times the provider is asked about it.
        if outcome in BACK_OUTCOMES and any(
            record["member_id"] == str(member_id) and record["outcome"] in BACK_OUTCOMES
            for record in self.payouts
        ):
            raise InvalidValueError("that member's payout has already come back to their balance")

    # ------------------------------------------------------------------- acts

    def revise(
        self,
        *,
        kind: str,
        reason: str,
        change: dict[str, Any],
        lines: list[dict[str, Any]],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        """Record a new version of the lines, with the change and its reason."""
        self.check_can_revise(kind, reason, lines)
        self._revise(
            version=self.version_number + 1,
            kind=kind,
            reason=reason,
            change=change,
            lines=lines,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    @event("Revised")
    def _revise(
        self,
        *,
        version: int,
        kind: str,
        reason: str,
        change: dict[str, Any],
        lines: list[dict[str, Any]],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.versions = [
            *self.versions,
            {
                "version": version,
                "kind": kind,
                "reason": reason,
                "change": change,
                "lines": list(lines),
                "actor_id": None if actor_id is None else str(actor_id),
                "occurred_at": occurred_at.isoformat(),
            },
        ]

    def open(
        self, *, window_days: int, minimum_days: int, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        """Start the comment window; its close is the allocation date."""
        self.check_can_open(window_days, minimum_days)
        self._open(
            window_days=window_days,
            closes_at=occurred_at + timedelta(days=window_days),
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    @event("Opened")
    def _open(
        self, *, window_days: int, closes_at: datetime, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.state = "open"
        self.window_days = window_days
        self.opened_at = occurred_at
        self.closes_at = closes_at

    def comment(self, *, text: str, actor_id: UUID | None, occurred_at: datetime) -> str:
        self.check_can_comment(actor_id, text)
        comment_id = str(len(self.comments) + 1)
        self._comment(comment_id=comment_id, text=text, actor_id=actor_id, occurred_at=occurred_at)
        return comment_id

    @event("Commented")
    def _comment(
        self, *, comment_id: str, text: str, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.comments = [
            *self.comments,
            {
                "id": comment_id,
                "text": text,
                "actor_id": None if actor_id is None else str(actor_id),
                "occurred_at": occurred_at.isoformat(),
            },
        ]

    def object(
        self,
        *,
        kind: str,
        line_member_id: UUID | None,
        text: str,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> str:
        self.check_can_object(actor_id, kind, line_member_id, text)
        objection_id = str(len(self.objections) + 1)
        self._object(
            objection_id=objection_id,
            kind=kind,
            line_member_id=line_member_id,
            text=text,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )
        return objection_id

    @event("Objected")
    def _object(
        self,
        *,
        objection_id: str,
        kind: str,
        line_member_id: UUID | None,
        text: str,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.objections = {
            **self.objections,
            objection_id: {
                "id": objection_id,
                "kind": kind,
                "line_member_id": None if line_member_id is None else str(line_member_id),
                "text": text,
                "actor_id": None if actor_id is None else str(actor_id),
                "occurred_at": occurred_at.isoformat(),
                "answer": None,
            },
        }

    def answer(
        self,
        *,
        objection_id: str,
        decision: str,
        reason: str,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.check_can_answer(objection_id, decision, reason)
        self._answer(
            objection_id=objection_id,
            decision=decision,
            reason=reason,
            version=self.version_number,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    @event("Answered")
    def _answer(
        self,
        *,
        objection_id: str,
        decision: str,
        reason: str,
        version: int,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        answered = dict(self.objections[objection_id])
        answered["answer"] = {
            "decision": decision,
            "reason": reason,
            "version": version,
            "actor_id": None if actor_id is None else str(actor_id),
            "occurred_at": occurred_at.isoformat(),
        }
        self.objections = {**self.objections, objection_id: answered}

    def finalize(
        self, *, statement_position: int | None, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        """Make the last version final; nothing about the proposal changes after."""
        self.check_can_finalize(occurred_at)
        self._finalize(
            version=self.version_number,
            statement_position=statement_position,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    @event("Finalized")
    def _finalize(
        self,
        *,
        version: int,
        statement_position: int | None,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.state = "final"
        self.final_version = version
        self.finalized_at = occurred_at
        self.statement_position = statement_position

    def cancel(self, *, reason: str, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.check_can_cancel(reason)
        self._cancel(reason=reason, actor_id=actor_id, occurred_at=occurred_at)

    @event("Cancelled")
    def _cancel(self, *, reason: str, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.state = "cancelled"
        self.cancel_reason = reason

    def record_payout(
        self,
        *,
        member_id: UUID,
        outcome: str,
        reference: str,
        amount_minor: int,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        """A payee's payout outcome, with the provider's reference (after final)."""
        self.check_can_record_payout(member_id, outcome, amount_minor)
        check_text("reference", reference, 200)
        self._record_payout(
            member_id=member_id,
            outcome=outcome,
            reference=reference,
            amount_minor=amount_minor,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    @event("PayoutRecorded")
    def _record_payout(
        self,
        *,
        member_id: UUID,
        outcome: str,
        reference: str,
        amount_minor: int,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.payouts = [
            *self.payouts,
            {
                "member_id": str(member_id),
                "outcome": outcome,
                "reference": reference,
                "amount_minor": amount_minor,
                "occurred_at": occurred_at.isoformat(),
            },
        ]
