"""Commands of Community Payment Proposals, and of a production's costs and budgets.

``ProposalCommands`` is a mixin of ``Ledger``: each command is a load, check, act,
save through ``self._execute`` and returns a ``Recorded``. Lines are computed above
the ledger (``lineage.proposals``, which has the lineage graph and the rounding);
the ledger checks that they fit what the payment or budget made available.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.utils import get_topic

from ledger.application.base import LedgerBase, Recorded
from ledger.domain.errors import AlreadyIssuedError, InvalidValueError, PreconditionFailedError
from ledger.domain.pools import parse_payment
from ledger.domain.proposal import Proposal
from ledger.domain.proposal_errors import (
    OverPoolError,
    ProposalStateError,
    UnknownProposalError,
)
from ledger.domain.proposal_rules import (
    PLAN_OUTCOMES,
    PROVIDER_OUTCOMES,
    check_lines,
    proposal_id_for,
)
from ledger.domain.rules import occurred
from ledger.domain.values import Money

if TYPE_CHECKING:
    from ledger.application.unit_of_work import UnitOfWork
    from ledger.domain.production import Production

__all__ = ["ProposalCommands"]

#: The most proposals one payment can have had (each cancelled before the next).
MAX_ATTEMPTS = 1000


class ProposalCommands(LedgerBase):
    """Draft, revise, open, comment, object, answer, finalize, cancel; costs and budgets."""

    # ----------------------------------------------------------------- reads

    def proposal(self, proposal_id: UUID) -> Proposal:
        found = self.record(proposal_id)
        if not isinstance(found, Proposal):
            raise UnknownProposalError(f"no proposal has id {proposal_id}")
        return found

    def proposals_of(self, production: Production) -> list[Proposal]:
        """Every proposal of a production, by payment, oldest attempt first."""
        payments = [f"revenue:{n}" for n in range(1, len(production.revenue) + 1)]
        payments += [f"budget:{n}" for n in range(1, len(production.budgets) + 1)]
        found: list[Proposal] = []
        for payment in payments:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                proposal = self.record(proposal_id_for(production.id, payment, attempt))
                if not isinstance(proposal, Proposal):
                    break
                found.append(proposal)
        return found

    def all_proposals(self) -> list[Proposal]:
        """Every proposal in the ledger, in the order they were drafted."""
        topic = get_topic(Proposal.Drafted)
        found: list[Proposal] = []
        after = 0
        while True:
            page = self.recorder.select_notifications(after + 1, 1000, topics=[topic])
            for notification in page:
                found.append(self.proposal(UUID(str(notification.originator_id))))
            if len(page) < 1000:
                return found
            after = page[-1].id

    @staticmethod
    def _latest(uow: UnitOfWork, production_id: UUID, payment: str) -> tuple[int, Proposal | None]:
        """The number of the payment's last proposal, and that proposal (or 0, None)."""
        latest: Proposal | None = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            proposal = uow.find(Proposal, proposal_id_for(production_id, payment, attempt))
            if proposal is None:
                return attempt - 1, latest
            latest = proposal
        raise ProposalStateError("this payment has had too many proposals")

    def check_no_open_proposal(self, uow: UnitOfWork, production_id: UUID, number: int) -> None:
        """A statement is not issued directly while a proposal for its payment is
        draft or open: the proposal's final decision issues it."""
        _, latest = self._latest(uow, production_id, f"revenue:{number}")
        if latest is not None and latest.state in ("draft", "open"):
            raise ProposalStateError(
                f"revenue #{number} has a {latest.state} proposal ({latest.id});"
                " finalize or cancel it instead of issuing directly"
            )

    @staticmethod
    def check_statement_fits(production: Production, number: int, statement: Any) -> None:
        """A statement's lines total at most what the payment made available."""
        production.check_statement_fits(number, statement)

    # --------------------------------------------------------------- commands

    def draft_proposal(
        self,
        production_id: UUID,
        payment: str,
        lines: list[dict[str, Any]],
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Draft the proposal for one payment ("revenue:N" or "budget:N")."""
        kind, number = parse_payment(payment)

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            production.check_published()
            if actor_id is not None:
                self._check_curator(uow, actor_id, "draft payment proposals")
            if kind == "revenue" and number in production.statements:
                raise AlreadyIssuedError(f"the statement for revenue #{number} was issued already")
            pool = production.pool_for(payment)
            if pool is None:
                raise OverPoolError(f"nothing of {payment} is left after the costs")
            attempts, latest = self._latest(uow, production_id, payment)
            if latest is not None and latest.state != "cancelled":
                raise ProposalStateError(f"{payment} already has a {latest.state} proposal")
            proposal = Proposal.draft(
                id=proposal_id_for(production_id, payment, attempts + 1),
                production_id=production_id,
                payment=payment,
                currency=pool.currency,
                pool_minor=pool.minor_units,
                lines=lines,
                actor_id=actor_id,
                occurred_at=occurred(occurred_at),
            )
            uow.add(proposal)
            return proposal.id

        return self._recorded(command)

    def _proposal(self, uow: UnitOfWork, proposal_id: UUID) -> Proposal:
        return uow.get(
            Proposal, proposal_id, lambda: UnknownProposalError(f"no proposal has id {proposal_id}")
        )

    def revise_proposal(
        self,
        proposal_id: UUID,
        *,
        kind: str,
        reason: str,
        change: dict[str, Any],
        lines: list[dict[str, Any]],
        based_on_version: int,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """A new version of the lines, computed from version ``based_on_version``."""

        def command(uow: UnitOfWork) -> UUID:
            proposal = self._proposal(uow, proposal_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "revise payment proposals")
            if proposal.version_number != based_on_version:
                raise PreconditionFailedError(
                    f"the proposal is at version {proposal.version_number}, not"
                    f" {based_on_version}; compute the revision again",
                    record_id=proposal_id,
                    current_version=proposal.version,
                )
            proposal.revise(
                kind=kind,
                reason=reason,
                change=change,
                lines=lines,
                actor_id=actor_id,
                occurred_at=occurred(occurred_at),
            )
            return proposal_id

        return self._recorded(command)

    def open_proposal(
        self,
        proposal_id: UUID,
        *,
        window_days: int,
        minimum_days: int = 0,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Open the comment window (at least 14 days, or the deployment's longer minimum)."""

        def command(uow: UnitOfWork) -> UUID:
            proposal = self._proposal(uow, proposal_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "open payment proposals")
            proposal.open(
                window_days=window_days,
                minimum_days=minimum_days,
                actor_id=actor_id,
                occurred_at=occurred(occurred_at),
            )
            return proposal_id

        return self._recorded(command)

    def comment_on_proposal(
        self,
        proposal_id: UUID,
        text: str,
        *,
        actor_id: UUID | None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        def command(uow: UnitOfWork) -> UUID:
            proposal = self._proposal(uow, proposal_id)
            if actor_id is not None:
                self._member(uow, actor_id)
            proposal.comment(text=text, actor_id=actor_id, occurred_at=occurred(occurred_at))
            return proposal_id

        return self._recorded(command)

    def object_to_proposal(
        self,
        proposal_id: UUID,
        *,
        kind: str,
        text: str,
        line_member_id: UUID | None = None,
        actor_id: UUID | None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        def command(uow: UnitOfWork) -> UUID:
            proposal = self._proposal(uow, proposal_id)
            if actor_id is not None:
                self._member(uow, actor_id)
            proposal.object(
                kind=kind,
                line_member_id=line_member_id,
                text=text,
                actor_id=actor_id,
                occurred_at=occurred(occurred_at),
            )
            return proposal_id

        return self._recorded(command)

    def answer_objection(
        self,
        proposal_id: UUID,
        objection_id: str,
        *,
        decision: str,
        reason: str,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        def command(uow: UnitOfWork) -> UUID:
            proposal = self._proposal(uow, proposal_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "answer objections")
            proposal.answer(
                objection_id=objection_id,
                decision=decision,
                reason=reason,
                actor_id=actor_id,
                occurred_at=occurred(occurred_at),
            )
            return proposal_id

        return self._recorded(command)

    def finalize_proposal(
        self,
        proposal_id: UUID,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Make the last version final and, for a revenue payment, issue its statement
        (the Final Community Payments), both in one transaction."""
        when = occurred(occurred_at)

        def command(uow: UnitOfWork) -> UUID:
            proposal = self._proposal(uow, proposal_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "finalize payment proposals")
            proposal.check_can_finalize(when)
            production = self._production(uow, proposal.production_id)
            kind, number = parse_payment(proposal.payment)
            statement_position = None
            if kind == "revenue":
                statement = _final_statement(proposal)
                self.check_statement_fits(production, number, statement)
                production.issue_statement(
                    revenue_number=number, statement=statement, actor_id=actor_id, occurred_at=when
                )
                statement_position = production.version
            proposal.finalize(
                statement_position=statement_position, actor_id=actor_id, occurred_at=when
            )
            return proposal_id

        return self._recorded(command)

    def cancel_proposal(
        self,
        proposal_id: UUID,
        *,
        reason: str,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        def command(uow: UnitOfWork) -> UUID:
            proposal = self._proposal(uow, proposal_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "cancel payment proposals")
            proposal.cancel(reason=reason, actor_id=actor_id, occurred_at=occurred(occurred_at))
            return proposal_id

        return self._recorded(command)

    def record_payout_outcome(
        self,
        proposal_id: UUID,
        member_id: UUID,
        *,
        outcome: str,
        reference: str,
        amount_minor: int,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        if outcome not in PROVIDER_OUTCOMES:
            raise InvalidValueError(f"an outcome is one of {', '.join(PROVIDER_OUTCOMES)}")

        def command(uow: UnitOfWork) -> UUID:
            proposal = self._proposal(uow, proposal_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "record payouts")
            proposal.record_payout(
                member_id=member_id,
                outcome=outcome,
                reference=reference,
                amount_minor=amount_minor,
                actor_id=actor_id,
                occurred_at=occurred(occurred_at),
            )
            return proposal_id

        return self._recorded(command)

    def record_payout_plan(
        self,
        proposal_id: UUID,
        records: list[tuple[UUID, int, str]],
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """What a written payout file did to balances (``carried``, ``drawn``), in one
        transaction. A record the proposal already has is not recorded again, so a
        payout file written again after a crash doubles nothing."""
        when = occurred(occurred_at)
        for _, _, outcome in records:
            if outcome not in PLAN_OUTCOMES:
                raise InvalidValueError(f"a planned outcome is one of {', '.join(PLAN_OUTCOMES)}")

        def command(uow: UnitOfWork) -> UUID:
            proposal = self._proposal(uow, proposal_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "record payouts")
            done = {
                (record["member_id"], record["outcome"])
                for record in proposal.payouts
                if record["outcome"] in PLAN_OUTCOMES
            }
            for member_id, amount_minor, outcome in records:
                if (str(member_id), outcome) in done:
                    continue
                proposal.record_payout(
                    member_id=member_id,
                    outcome=outcome,
                    reference="payout file",
                    amount_minor=amount_minor,
                    actor_id=actor_id,
                    occurred_at=when,
                )
            return proposal_id

        return self._recorded(command)

    def record_cost(
        self,
        production_id: UUID,
        amount: Money,
        *,
        description: str,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """A cost, recovered from the revenue payments recorded after it."""

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "record costs")
            production.record_cost(
                amount=amount,
                description=description,
                actor_id=actor_id,
                occurred_at=occurred(occurred_at),
            )
            return production_id

        return self._recorded(command)

    def record_budget(
        self,
        production_id: UUID,
        amount: Money,
        *,
        description: str,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """A fixed pool for a published production, proposed as "budget:N"."""

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            production.check_published()
            if actor_id is not None:
                self._check_curator(uow, actor_id, "record budgets")
            production.record_budget(
                amount=amount,
                description=description,
                actor_id=actor_id,
                occurred_at=occurred(occurred_at),
            )
            return production_id

        return self._recorded(command)


def _final_statement(proposal: Proposal) -> dict[str, Any]:
    """The issued statement of a final proposal: its last version's lines."""
    check_lines(proposal.lines, proposal.pool_minor)
    if not proposal.lines:
        raise InvalidValueError("a proposal with no lines cannot be final")
    return {
        "proposal": {"id": str(proposal.id), "version": proposal.version_number},
        "payment": proposal.payment,
        "pool": {"currency": proposal.currency, "minor_units": proposal.pool_minor},
        "lines": [
            {
                "member": line["member_id"],
                "role": line["role"],
                "minor_units": line["amount_minor"],
                "currency": proposal.currency,
                "share": line["share"],
                "explanation": line["explanation"],
            }
            for line in proposal.lines
        ],
    }
