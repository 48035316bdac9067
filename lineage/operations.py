"""Use cases that compute over the lineage, then record: issuing royalty statements.

Issuing is one act: draw up each revenue payment's statement from the lineage
(as the production stood when the money came in), then record the statements not
issued yet, all in one transaction (``ledger.operations.in_one_transaction``).
It lives here, not in ``ledger``, because the ledger may not import the lineage;
the command line and the HTTP API both call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ledger import Ledger
from ledger.application.operations import in_one_transaction
from ledger.application.unit_of_work import UnitOfWork
from ledger.domain.errors import InvalidValueError, NotCuratorError
from ledger.domain.values import Role
from lineage.graph import LineageGraph
from lineage.royalties import statement_for_revenue
from lineage.statements import Statement

__all__ = ["IssuedStatements", "issue_statements"]


@dataclass(frozen=True)
class IssuedStatements:
    """What ``issue_statements`` recorded: the statements by revenue number, and the
    position of the last event (None when every statement had been issued already)."""

    production_id: UUID
    statements: dict[int, Statement]
    position: int | None


def issue_statements(
    ledger: Ledger,
    lineage: LineageGraph,
    production_id: UUID,
    *,
    revenue_number: int | None = None,
    actor_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> IssuedStatements:
    """Issue the statements of a production's revenue payments not issued yet
    (only payment ``revenue_number`` when given), under the production's own policy.

    ``lineage`` must have reached the ledger's head (or at least the payments);
    which statements are already issued is read from the ledger itself, so two
    issuers racing record each statement once (the other gets ``AlreadyIssuedError``).
    """
    stored = ledger.production(production_id)
    if actor_id is not None and not ledger.member(actor_id).has_role(Role.CURATOR):
        # Said here too, not only by the command: with every statement issued
        # already no command runs, and a member still may not ask.
        raise NotCuratorError("only a curator may issue royalty statements")
    payments = len(stored.revenue)
    if revenue_number is not None and not 1 <= revenue_number <= payments:
        raise InvalidValueError(f"the production has no revenue payment #{revenue_number}")
    numbers = [revenue_number] if revenue_number is not None else range(1, payments + 1)
    pending = {
        number: statement_for_revenue(lineage, production_id, number)
        for number in numbers
        if number not in stored.statements
    }

    def act(uow: UnitOfWork) -> None:
        for number, statement in pending.items():
            # A payment run through a proposal is issued by its final decision; and no
            # statement pays out more than the payment left after costs.
            ledger.check_no_open_proposal(uow, production_id, number)
            ledger.check_statement_fits(
                ledger.production(production_id), number, statement.as_dict()
            )
            ledger.issue_statement(
                production_id,
                number,
                statement.as_dict(),
                actor_id=actor_id,
                occurred_at=occurred_at,
            )

    _, position = in_one_transaction(ledger, act)
    return IssuedStatements(production_id, pending, position)
