"""The Vote aggregate: one member's one vote on one work.

Its id is ``vote_id_for(member, work)``, so there is only ever one Vote per pair;
voting again changes it, and two processes voting at once collide on the store's
uniqueness instead of recording two votes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.acts import LedgerAggregate
from ledger.domain.errors import InvalidValueError, OwnWorkVoteError
from ledger.domain.topics import recorded_under

__all__ = ["Vote"]


def check_vote_value(value: object) -> int:
    """A vote is +1 or -1."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in (1, -1):
        raise InvalidValueError(f"a vote is +1 or -1, not {value!r}")
    return value


@recorded_under("ledger.vote")
class Vote(LedgerAggregate):
    """The current vote of a member on a work: +1, -1, or 0 once withdrawn."""

    class Voted(Aggregate.Created):
        TOPIC = "ledger.vote:Vote.Voted"
        member_id: UUID
        work_id: UUID
        value: int
        actor_id: UUID | None
        occurred_at: datetime
        idempotency_key: str | None

    def __init__(
        self,
        *,
        member_id: UUID,
        work_id: UUID,
        value: int,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None,
    ) -> None:
        super().__init__()
        self.member_id = member_id
        self.work_id = work_id
        self.value = value
        self._remember(idempotency_key)

    @classmethod
    def cast(
        cls,
        *,
        id: UUID,
        member_id: UUID,
        work_id: UUID,
        value: int,
        occurred_at: datetime,
        idempotency_key: str | None = None,
    ) -> Vote:
        return cls._create(
            cls.Voted,
            id=id,
            member_id=member_id,
            work_id=work_id,
            value=check_vote_value(value),
            actor_id=member_id,
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
        )

    @staticmethod
    def check_voter(member_id: UUID, authors: Sequence[UUID], title: str) -> None:
        """Members do not vote on works they authored (``authors`` and ``title`` of the work)."""
        if member_id in authors:
            raise OwnWorkVoteError(f"members do not vote on their own work {title!r}")

    @property
    def is_withdrawn(self) -> bool:
        return self.value == 0

    class VoteChanged(Aggregate.Event):
        TOPIC = "ledger.vote:Vote.VoteChanged"
        value: int
        actor_id: UUID | None
        occurred_at: datetime
        idempotency_key: str | None

    def change(
        self,
        *,
        value: int,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        """Change this vote to ``value`` (+1 or -1)."""
        self._change(
            value=check_vote_value(value),
            actor_id=actor_id,
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
        )

    @event(VoteChanged)
    def _change(
        self,
        *,
        value: int,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None,
    ) -> None:
        self.value = value
        self._remember(idempotency_key)

    class VoteWithdrawn(Aggregate.Event):
        TOPIC = "ledger.vote:Vote.VoteWithdrawn"
        actor_id: UUID | None
        occurred_at: datetime
        idempotency_key: str | None

    @event(VoteWithdrawn)
    def withdraw(
        self, *, actor_id: UUID | None, occurred_at: datetime, idempotency_key: str | None = None
    ) -> None:
        self.value = 0
        self._remember(idempotency_key)
