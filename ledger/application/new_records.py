"""The id of a record a command creates, and what a create retried with its key finds.

A create given an ``idempotency_key`` but no external id derives its record's id
from (actor, key) (``ledger.domain.identity.keyed_id_for``): run again with the
same key, it finds the record it made, records nothing and answers the same id, so
a request retried after a crash between saving and answering makes no second record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.application.unit_of_work import UnitOfWork
from ledger.domain.errors import LedgerError
from ledger.domain.identity import (
    keyed_id_for,
    new_id,
)

__all__ = ["IdempotencyKeyReusedError", "id_for_new", "made_already"]

A = TypeVar("A", bound=Aggregate)


class IdempotencyKeyReusedError(LedgerError):
    """The idempotency key already created another record; nothing was recorded."""


def id_for_new(
    kind: str,
    derive: Callable[[str], UUID],
    external_id: str | None,
    actor_id: UUID | None,
    idempotency_key: str | None,
) -> UUID:
    """The id of a record a command creates: from its external id, else from the
    actor's idempotency key, else a fresh one."""
    if external_id:
        return derive(external_id)
    if idempotency_key is not None:
        return keyed_id_for(kind, actor_id, idempotency_key)
    return new_id()


def made_already(uow: UnitOfWork, cls: type[A], record_id: UUID, same: Callable[[A], bool]) -> bool:
    """True when the record a keyed create would make exists: the same act ran
    before (its answer was lost), so it records nothing now.

    The id is derived from the actor and the key, so a record there was made with
    this key; made by another act (another title, another kind of record), the
    key is being reused, and that is refused rather than answered with it.
    """
    found = uow.find(Aggregate, record_id)
    if found is None:
        return False
    if not isinstance(found, cls) or not same(found):
        raise IdempotencyKeyReusedError(
            f"this idempotency key already made {type(found).__name__.lower()} {record_id}"
            f" with other details; send a new key for a new {cls.__name__.lower()}"
        )
    return True
