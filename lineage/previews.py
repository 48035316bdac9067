"""Statements as they are shown: the production's own, issued or not yet, or a what-if.

A statement computed under a policy the production did not choose ("what if it paid
under ``equal``?") is never the issued one, even for a payment whose statement was
issued: ``StatementView`` says which it is, so every entry point (CLI, API, page)
labels it the same way. May import ``lineage`` and ``ledger`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger.domain.errors import LedgerError
from lineage.graph import LineageGraph
from lineage.policies import RoyaltyPolicy
from lineage.productions import ProductionState
from lineage.royalties import policy_of, statement_for_revenue
from lineage.statements import Statement

__all__ = ["StatementView", "statement_views"]


@dataclass(frozen=True, slots=True)
class StatementView:
    """One revenue payment's statement, and what it is."""

    revenue_number: int
    statement: Statement
    #: Computed under a policy asked for, not the one the production chose.
    what_if: bool
    #: The policy the production paid this payment under (what its statement uses).
    production_policy: str
    #: Where the payment's statement was issued (None: not issued yet).
    issued_position: int | None

    @property
    def issued(self) -> bool:
        """Whether this statement, as computed, is the one issued (a what-if never is)."""
        return not self.what_if and self.issued_position is not None

    @property
    def label(self) -> str:
        """What the statement is, in words: issued, not issued yet, or what if."""
        if self.what_if:
            issued = (
                ""
                if self.issued_position is None
                else f"; the issued one, at position {self.issued_position}, is under it"
            )
            return (
                f"what if, under {self.statement.policy}: never issued;"
                f" the production pays under {self.production_policy}{issued}"
            )
        if self.issued_position is None:
            return "not issued yet"
        return f"issued at position {self.issued_position}"

    def as_dict(self) -> dict[str, Any]:
        """The statement's JSON with ``revenue_number``, ``what_if``, ``issued`` and
        ``issued_position`` first."""
        return {
            "revenue_number": self.revenue_number,
            "what_if": self.what_if,
            "issued": self.issued,
            "issued_position": self.issued_position,
            "production_policy": self.production_policy,
            **self.statement.as_dict(),
        }


def _chosen(then: ProductionState) -> str:
    """The production's own policy, or its recorded name where older rules let it be
    recorded with settings that cannot be computed."""
    try:
        return str(policy_of(then))
    except LedgerError:
        return then.policy


def statement_views(
    lineage: LineageGraph,
    production_id: UUID,
    *,
    policy: RoyaltyPolicy | None = None,
    revenue_number: int | None = None,
) -> list[StatementView]:
    """Each revenue payment's statement (only ``revenue_number`` when given), under
    the production's own policy, or under ``policy`` as a what-if."""
    production = lineage.production(production_id)
    numbers = range(1, len(production.revenue) + 1)
    views = []
    for number in numbers if revenue_number is None else [revenue_number]:
        if number not in numbers:
            continue
        revenue = production.revenue[number - 1]
        then = lineage.production(production_id, as_of=revenue.position)
        issued = production.statements.get(number)
        statement = statement_for_revenue(lineage, production_id, number, policy=policy)
        views.append(
            StatementView(
                revenue_number=number,
                statement=statement,
                what_if=policy is not None,
                production_policy=statement.policy if policy is None else _chosen(then),
                issued_position=None if issued is None else issued[0],
            )
        )
    return views
