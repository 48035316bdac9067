"""The Production aggregate: a curated, published collection of works that earns revenue."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.acts import LedgerAggregate
from ledger.errors import AlreadyPublishedError, InvalidValueError, NotPublishedError
from ledger.values import MAX_TITLE, Money, check_text

__all__ = ["Production"]


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
