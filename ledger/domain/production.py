"""The Production aggregate: a curated, published collection of works that earns revenue."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.acts import LedgerAggregate
from ledger.domain.errors import (
    AlreadyIssuedError,
    AlreadyPublishedError,
    InvalidValueError,
    InvalidWeightsError,
    NotPublishedError,
)
from ledger.domain.numbers import check_decimal_size, parse_bounded_fraction
from ledger.domain.pools import Cost, parse_payment, profit_split_pool
from ledger.domain.proposal_errors import OverPoolError
from ledger.domain.topics import recorded_under
from ledger.domain.values import MAX_TITLE, Money, check_text

__all__ = ["DEFAULT_POLICY", "DEFAULT_POOL_PERCENT", "Production"]

# Until a curator chooses otherwise: each work keeps half of what reaches it and
# passes half to its sources; half the revenue goes to contributors, as hitRECord paid.
DEFAULT_POLICY = "decay"
DEFAULT_POOL_PERCENT = Decimal(50)
#: The most parameters a policy is recorded with (flow: alpha and one weight per relation).
MAX_POLICY_PARAMS = 16


@recorded_under("ledger.production")
class Production(LedgerAggregate):
    """A book, an episode, a film: works selected by a curator, published once."""

    class Created(Aggregate.Created):
        TOPIC = "ledger.production:Production.Created"
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
        self.costs: tuple[Cost, ...] = ()
        self.budgets: tuple[Money, ...] = ()

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

    def check_can_include(self, work_id: UUID) -> None:
        self.check_not_published()
        if work_id in self.work_ids:
            raise InvalidValueError(f"the work is already in production {self.title!r}")

    def check_can_exclude(self, work_id: UUID) -> None:
        self.check_not_published()
        if work_id not in self.work_ids:
            raise InvalidValueError(f"the work is not in production {self.title!r}")

    def check_can_publish(self) -> None:
        self.check_not_published()
        if not self.work_ids:
            raise InvalidValueError(f"production {self.title!r} has no works to publish")

    def check_published(self) -> None:
        if self.published_at is None:
            raise NotPublishedError(
                f"production {self.title!r} is not published; revenue comes after publication"
            )

    @staticmethod
    def check_policy(policy: str, params: Mapping[str, str], pool_percent: Decimal) -> None:
        check_text("policy", policy, 40)
        if len(params) > MAX_POLICY_PARAMS:
            raise InvalidValueError(
                f"a policy takes at most {MAX_POLICY_PARAMS} parameters, not {len(params)}"
            )
        for name, value in params.items():
            check_text("policy parameter name", name, 40)
            # Names and ranges are the lineage layer's (it knows the policies); the
            # size of every number is the ledger's, so no import records one too large.
            if parse_bounded_fraction(value, f"{policy} {name}") < 0:
                raise InvalidValueError(f"{policy} {name} {value!r} must not be negative")
        check_decimal_size(pool_percent, "pool_percent")
        if not (pool_percent.is_finite() and Decimal(0) < pool_percent <= Decimal(100)):
            raise InvalidValueError(
                f"the contributor pool is more than 0 and at most 100 percent, not {pool_percent}"
            )

    def check_weights_name_the_works(self) -> None:
        """Weights, when chosen, name exactly the included works (a work included or
        excluded since they were chosen needs them chosen again)."""
        if self.weights is not None and set(self.weights) != {w.hex for w in self.work_ids}:
            raise InvalidWeightsError(
                f"the works of production {self.title!r} changed since its weights were"
                " chosen; choose the policy again with a weight for each work, or none"
            )

    def check_not_waived(self, member_id: UUID) -> None:
        if member_id in self.waived:
            raise InvalidValueError(f"the member already waived their share of {self.title!r}")

    def check_statement_due(self, revenue_number: int) -> None:
        """A statement is issued once for each revenue payment recorded (1 = the first)."""
        if not 1 <= revenue_number <= len(self.revenue):
            raise InvalidValueError(
                f"production {self.title!r} has {len(self.revenue)} revenue payment(s),"
                f" not #{revenue_number}"
            )
        if revenue_number in self.statements:
            raise AlreadyIssuedError(
                f"the statement for revenue #{revenue_number} of {self.title!r} was already issued"
            )

    def check_statement_fits(self, revenue_number: int, statement: Mapping[str, Any]) -> None:
        """A statement's lines total at most what the payment made available after costs
        (checked when issuing, never on replay: the event body does not call it)."""
        pool = self.pool_for(f"revenue:{revenue_number}")
        total = sum(int(line.get("minor_units", 0)) for line in statement.get("lines", []))
        available = 0 if pool is None else pool.minor_units
        if total > available:
            raise OverPoolError(
                f"the statement pays {total} minor units; revenue #{revenue_number} made"
                f" {available} available after costs"
            )

    class WorkIncluded(Aggregate.Event):
        TOPIC = "ledger.production:Production.WorkIncluded"
        work_id: UUID
        actor_id: UUID | None
        occurred_at: datetime
        idempotency_key: str | None

    def include_work(
        self,
        *,
        work_id: UUID,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        """Add a work, before publication."""
        self.check_can_include(work_id)
        self._include_work(
            work_id=work_id,
            actor_id=actor_id,
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
        )

    @event(WorkIncluded)
    def _include_work(
        self,
        *,
        work_id: UUID,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None,
    ) -> None:
        self.work_ids = (*self.work_ids, work_id)
        self._remember(idempotency_key)

    class WorkExcluded(Aggregate.Event):
        TOPIC = "ledger.production:Production.WorkExcluded"
        work_id: UUID
        actor_id: UUID | None
        occurred_at: datetime
        idempotency_key: str | None

    def exclude_work(
        self,
        *,
        work_id: UUID,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        """Take a work out, before publication."""
        self.check_can_exclude(work_id)
        self._exclude_work(
            work_id=work_id,
            actor_id=actor_id,
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
        )

    @event(WorkExcluded)
    def _exclude_work(
        self,
        *,
        work_id: UUID,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None,
    ) -> None:
        self.work_ids = tuple(included for included in self.work_ids if included != work_id)
        self._remember(idempotency_key)

    class Published(Aggregate.Event):
        TOPIC = "ledger.production:Production.Published"
        actor_id: UUID | None
        occurred_at: datetime

    def publish(self, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        """Publish, once; the contents are frozen from then on."""
        self.check_can_publish()
        self.check_weights_name_the_works()
        self._publish(actor_id=actor_id, occurred_at=occurred_at)

    @event(Published)
    def _publish(self, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.published_at = occurred_at

    class RevenueRecorded(Aggregate.Event):
        TOPIC = "ledger.production:Production.RevenueRecorded"
        amount: Money
        external_id: str | None
        actor_id: UUID | None
        occurred_at: datetime
        idempotency_key: str | None

    def record_revenue(
        self,
        *,
        amount: Money,
        external_id: str | None,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        """Record a payment the published production earned."""
        self.check_published()
        self.check_weights_name_the_works()
        self._record_revenue(
            amount=amount,
            external_id=external_id,
            actor_id=actor_id,
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
        )

    @event(RevenueRecorded)
    def _record_revenue(
        self,
        *,
        amount: Money,
        external_id: str | None,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None,
    ) -> None:
        self.revenue = (*self.revenue, amount)
        self._remember(idempotency_key)

    class PolicyChosen(Aggregate.Event):
        TOPIC = "ledger.production:Production.PolicyChosen"
        policy: str
        params: dict[str, str]
        pool_percent: Decimal
        weights: dict[str, str] | None
        actor_id: UUID | None
        occurred_at: datetime
        idempotency_key: str | None

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
        """Choose the royalty policy, the contributor pool and the works' weights."""
        self.check_policy(policy, params, pool_percent)
        self._choose_policy(
            policy=policy,
            params=params,
            pool_percent=pool_percent,
            weights=weights,
            actor_id=actor_id,
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
        )

    @event(PolicyChosen)
    def _choose_policy(
        self,
        *,
        policy: str,
        params: dict[str, str],
        pool_percent: Decimal,
        weights: dict[str, str] | None,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None,
    ) -> None:
        self.policy = policy
        self.policy_params = dict(params)
        self.pool_percent = pool_percent
        self.weights = None if weights is None else dict(weights)
        self._remember(idempotency_key)

    class ShareWaived(Aggregate.Event):
        TOPIC = "ledger.production:Production.ShareWaived"
        member_id: UUID
        actor_id: UUID | None
        occurred_at: datetime

    def waive_share(self, *, member_id: UUID, actor_id: UUID | None, occurred_at: datetime) -> None:
        """A member gives up their share of this production's statements, once."""
        self.check_not_waived(member_id)
        self._waive_share(member_id=member_id, actor_id=actor_id, occurred_at=occurred_at)

    @event(ShareWaived)
    def _waive_share(
        self, *, member_id: UUID, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.waived = (*self.waived, member_id)

    class RoyaltyStatementIssued(Aggregate.Event):
        TOPIC = "ledger.production:Production.RoyaltyStatementIssued"
        revenue_number: int
        statement: dict[str, Any]
        actor_id: UUID | None
        occurred_at: datetime

    def issue_statement(
        self,
        *,
        revenue_number: int,
        statement: dict[str, Any],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        """Record the statement of revenue payment ``revenue_number``, once."""
        self.check_statement_due(revenue_number)
        self.check_statement_fits(revenue_number, statement)
        self._issue_statement(
            revenue_number=revenue_number,
            statement=statement,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    @event(RoyaltyStatementIssued)
    def _issue_statement(
        self,
        *,
        revenue_number: int,
        statement: dict[str, Any],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.statements = {**self.statements, revenue_number: statement}

    def pool_for(self, payment: str) -> Money | None:
        """What ``payment`` ("revenue:N" or "budget:N") makes available to contributors:
        the pool percent of the revenue left after unrecovered costs, or the budget.
        None when nothing is left (every cent went to costs)."""
        kind, number = parse_payment(payment)
        if kind == "budget":
            if not 1 <= number <= len(self.budgets):
                raise InvalidValueError(
                    f"production {self.title!r} has {len(self.budgets)} budget(s), not #{number}"
                )
            return self.budgets[number - 1]
        revenue = [(money.minor_units, money.currency) for money in self.revenue]
        pool = profit_split_pool(revenue, self.costs, self.pool_percent, number)
        currency = self.revenue[number - 1].currency
        return Money(pool, currency) if pool > 0 else None

    class CostRecorded(Aggregate.Event):
        TOPIC = "ledger.production:Production.CostRecorded"
        amount: int
        currency: str
        description: str
        actor_id: UUID | None
        occurred_at: datetime

    def record_cost(
        self, *, amount: Money, description: str, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        """A cost of making the production, recovered from the revenue recorded after it."""
        amount.check_recordable()
        check_text("description", description, MAX_TITLE)
        self._record_cost(
            amount=amount.minor_units,
            currency=amount.currency,
            description=description,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    @event(CostRecorded)
    def _record_cost(
        self,
        *,
        amount: int,
        currency: str,
        description: str,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.costs = (*self.costs, Cost(amount, currency, len(self.revenue)))

    class BudgetRecorded(Aggregate.Event):
        TOPIC = "ledger.production:Production.BudgetRecorded"
        amount: int
        currency: str
        description: str
        actor_id: UUID | None
        occurred_at: datetime

    def record_budget(
        self, *, amount: Money, description: str, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        """A fixed pool (a budget line item), proposed like a payment ("budget:N")."""
        amount.check_recordable()
        check_text("description", description, MAX_TITLE)
        self._record_budget(
            amount=amount.minor_units,
            currency=amount.currency,
            description=description,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    @event(BudgetRecorded)
    def _record_budget(
        self,
        *,
        amount: int,
        currency: str,
        description: str,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.budgets = (*self.budgets, Money(amount, currency))
