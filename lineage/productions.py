"""A production as the lineage graph replays it: its works, publication and revenue.

Productions change rarely, so the graph keeps their events as recorded and
``production_as_of`` replays them up to the position asked about.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.domain.production import DEFAULT_POLICY, DEFAULT_POOL_PERCENT, Production
from ledger.domain.values import Money

__all__ = ["PRODUCTION_EVENTS", "ProductionState", "Revenue", "production_as_of"]


@dataclass(frozen=True, slots=True)
class Revenue:
    """One revenue payment of a production, and where it sits in the log."""

    position: int
    amount: Money
    occurred_at: datetime
    external_id: str | None


@dataclass(slots=True)
class ProductionState:
    """A production as of one position: its works, publication and revenue."""

    production_id: UUID
    title: str
    curator_id: UUID
    external_id: str | None
    position: int
    work_ids: list[UUID] = field(default_factory=list)
    published_at: datetime | None = None
    revenue: list[Revenue] = field(default_factory=list)
    policy: str = DEFAULT_POLICY
    policy_params: dict[str, str] = field(default_factory=dict)
    pool_percent: Decimal = DEFAULT_POOL_PERCENT
    weights: dict[UUID, Decimal] | None = None
    waived: set[UUID] = field(default_factory=set)
    statements: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    #: The position of each policy choice, in order.
    policy_positions: list[int] = field(default_factory=list)


#: The production events the lineage graph keeps (see ``production_as_of``).
PRODUCTION_EVENTS: tuple[type, ...] = (
    Production.Created,
    Production.WorkIncluded,
    Production.WorkExcluded,
    Production.Published,
    Production.RevenueRecorded,
    Production.PolicyChosen,
    Production.ShareWaived,
    Production.RoyaltyStatementIssued,
)


def production_as_of(
    production_id: UUID, events: Sequence[tuple[int, Any]], as_of: int | None = None
) -> ProductionState:
    """The production as it was at ``as_of``, from its ``events`` (position, event) in
    order: works in order, publication, revenue (KeyError when it was not created yet)."""
    state: ProductionState | None = None
    for position, event in events:
        if as_of is not None and position > as_of:
            break
        match event:
            case Production.Created():
                state = ProductionState(
                    production_id, event.title, event.curator_id, event.external_id, position
                )
            case Production.WorkIncluded():
                assert state is not None
                state.work_ids.append(event.work_id)
            case Production.WorkExcluded():
                assert state is not None
                state.work_ids.remove(event.work_id)
            case Production.Published():
                assert state is not None
                state.published_at = event.occurred_at
            case Production.RevenueRecorded():
                assert state is not None
                state.revenue.append(
                    Revenue(position, event.amount, event.occurred_at, event.external_id)
                )
            case Production.PolicyChosen():
                assert state is not None
                state.policy = event.policy
                state.policy_params = dict(event.params)
                state.policy_positions.append(position)
                state.pool_percent = event.pool_percent
                state.weights = (
                    None
                    if event.weights is None
                    else {UUID(w): Decimal(v) for w, v in event.weights.items()}
                )
            case Production.ShareWaived():
                assert state is not None
                state.waived.add(event.member_id)
            case Production.RoyaltyStatementIssued():
                assert state is not None
                state.statements[event.revenue_number] = (position, event.statement)
    if state is None:
        raise KeyError(production_id)
    return state
