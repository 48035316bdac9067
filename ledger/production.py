"""The Production aggregate: a curated, published collection of works that earns revenue."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.acts import LedgerAggregate
from ledger.errors import (
    AlreadyIssuedError,
    AlreadyPublishedError,
    InvalidValueError,
    NotPublishedError,
)
from ledger.values import MAX_TITLE, Money, check_text

__all__ = ["DEFAULT_POLICY", "DEFAULT_POOL_PERCENT", "Production"]

# Until a curator chooses otherwise: each work keeps half of what reaches it and
# passes half to its sources; half the revenue goes to contributors, as hitRECord paid.
DEFAULT_POLICY = "decay"
DEFAULT_POOL_PERCENT = Decimal(50)


class Production(LedgerAggregate):
    """A book, an episode, a film: works selected by a curator, published once."""

    class Created(Aggregate.Created):
        title: str
        curator_id: UUID
        external_id: str | None
        actor_id: UUID | None
        occurred_at: datetime

    def __init__(
        self,
        *,
        title: str,
        curator_id: UUID,
        external_id: str | None,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        super().__init__()
        self.title = title
        self.curator_id = curator_id
        self.external_id = external_id
        self.created_at = occurred_at
        self.work_ids: tuple[UUID, ...] = ()
        self.published_at: datetime | None = None
        self.revenue: tuple[Money, ...] = ()
        self.policy = DEFAULT_POLICY
        self.policy_params: dict[str, str] = {}
        self.pool_percent = DEFAULT_POOL_PERCENT
        self.weights: dict[str, str] | None = None
        self.waived: tuple[UUID, ...] = ()
        self.statements: dict[int, dict[str, Any]] = {}

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        title: str,
        curator_id: UUID,
        external_id: str | None,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> Production:
        check_text("title", title, MAX_TITLE)
        return cls._create(
            cls.Created,
            id=id,
            title=title,
            curator_id=curator_id,
            external_id=external_id,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def check_not_published(self) -> None:
        if self.published_at is not None:
            raise AlreadyPublishedError(
                f"production {self.title!r} was published on {self.published_at:%Y-%m-%d};"
                " its contents are frozen"
            )

    class WorkIncluded(Aggregate.Event):
        work_id: UUID
        actor_id: UUID | None
        occurred_at: datetime
        idempotency_key: str | None

    @event(WorkIncluded)
    def include_work(
        self,
        *,
        work_id: UUID,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        self.check_not_published()
        if work_id in self.work_ids:
            raise InvalidValueError(f"the work is already in production {self.title!r}")
        self.work_ids = (*self.work_ids, work_id)
        self._remember(idempotency_key)

    class WorkExcluded(Aggregate.Event):
        work_id: UUID
        actor_id: UUID | None
        occurred_at: datetime
        idempotency_key: str | None

    @event(WorkExcluded)
    def exclude_work(
        self,
        *,
        work_id: UUID,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        self.check_not_published()
        if work_id not in self.work_ids:
            raise InvalidValueError(f"the work is not in production {self.title!r}")
        self.work_ids = tuple(included for included in self.work_ids if included != work_id)
        self._remember(idempotency_key)

    class Published(Aggregate.Event):
        actor_id: UUID | None
        occurred_at: datetime

    @event(Published)
    def publish(self, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.check_not_published()
        if not self.work_ids:
            raise InvalidValueError(f"production {self.title!r} has no works to publish")
        self.published_at = occurred_at

    class RevenueRecorded(Aggregate.Event):
        amount: Money
        external_id: str | None
        actor_id: UUID | None
        occurred_at: datetime
        idempotency_key: str | None

    @event(RevenueRecorded)
    def record_revenue(
        self,
        *,
        amount: Money,
        external_id: str | None,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        if self.published_at is None:
            raise NotPublishedError(
                f"production {self.title!r} is not published; revenue comes after publication"
            )
        self.revenue = (*self.revenue, amount)
        self._remember(idempotency_key)

    class PolicyChosen(Aggregate.Event):
        policy: str
        params: dict[str, str]
        pool_percent: Decimal
        weights: dict[str, str] | None
        actor_id: UUID | None
        occurred_at: datetime
        idempotency_key: str | None

    @event(PolicyChosen)
    def choose_policy(
        self,
        *,
        policy: str,
        params: dict[str, str],
        pool_percent: Decimal,
        weights: dict[str, str] | None,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        check_text("policy", policy, 40)
        if not (pool_percent.is_finite() and Decimal(0) < pool_percent <= Decimal(100)):
            raise InvalidValueError(
                f"the contributor pool is more than 0 and at most 100 percent, not {pool_percent}"
            )
        self.policy = policy
        self.policy_params = dict(params)
        self.pool_percent = pool_percent
        self.weights = None if weights is None else dict(weights)
        self._remember(idempotency_key)

    class ShareWaived(Aggregate.Event):
        member_id: UUID
        actor_id: UUID | None
        occurred_at: datetime

    @event(ShareWaived)
    def waive_share(self, *, member_id: UUID, actor_id: UUID | None, occurred_at: datetime) -> None:
        if member_id in self.waived:
            raise InvalidValueError(f"the member already waived their share of {self.title!r}")
        self.waived = (*self.waived, member_id)

    class RoyaltyStatementIssued(Aggregate.Event):
        revenue_number: int
        statement: dict[str, Any]
        actor_id: UUID | None
        occurred_at: datetime

    @event(RoyaltyStatementIssued)
    def issue_statement(
        self,
        *,
        revenue_number: int,
        statement: dict[str, Any],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        if not 1 <= revenue_number <= len(self.revenue):
            raise InvalidValueError(
                f"production {self.title!r} has {len(self.revenue)} revenue payment(s),"
                f" not #{revenue_number}"
            )
        if revenue_number in self.statements:
            raise AlreadyIssuedError(
                f"the statement for revenue #{revenue_number} of {self.title!r} was already issued"
            )
        self.statements = {**self.statements, revenue_number: statement}
