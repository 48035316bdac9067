"""Use cases made of several ledger commands, each saved in one transaction.

The command line and the HTTP API both call these, so neither composes acts
itself: registering a curator is one act (the member and the role, or neither),
and so is filling a production with several works. Each runs the ledger's own
commands inside ``Ledger.batch()``, which stages them and saves every event in
one transaction; a rule broken by any of them leaves nothing recorded.

Use cases that need the lineage graph (issuing royalty statements) live in
``lineage.operations``, since the ledger may not import the lineage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from ledger.application.ledger import ConcurrencyError, Ledger, Recorded
from ledger.application.unit_of_work import UnitOfWork
from ledger.domain.values import Role

__all__ = ["exclude_works", "in_one_transaction", "include_works", "register_curator"]

T = TypeVar("T")
_RETRIES = 5


def in_one_transaction(ledger: Ledger, act: Callable[[UnitOfWork], T]) -> tuple[T, int | None]:
    """Run ``act`` (ledger commands, or aggregates added to the unit of work it is
    given) and save all it recorded in one transaction.

    Returns what ``act`` returned and the position of the last event saved (None
    when nothing new was recorded). When another writer changed one of the
    records first, ``act`` runs again on the new state (as a single command
    does), so the rules decide against what is stored now.
    """
    for _ in range(_RETRIES):
        try:
            with ledger.batch() as uow:
                result = act(uow)
                # Saved here rather than when the block ends, to learn the position;
                # the batch's own commit then finds nothing left to save.
                position = uow.commit()
        except IntegrityError:
            continue
        return result, position
    raise ConcurrencyError("the records kept changing under this command; try again")


def register_curator(
    ledger: Ledger,
    *,
    handle: str,
    name: str | None = None,
    external_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Recorded:
    """Register a member who holds the curator role from the start (the operator's act)."""

    def act(_: UnitOfWork) -> UUID:
        member_id = ledger.register_member(
            handle=handle, name=name, external_id=external_id, occurred_at=occurred_at
        ).id
        ledger.grant_role(member_id, Role.CURATOR.value, occurred_at=occurred_at)
        return member_id

    member_id, position = in_one_transaction(ledger, act)
    return Recorded(member_id, position)


def include_works(
    ledger: Ledger,
    production_id: UUID,
    work_ids: Sequence[UUID],
    *,
    actor_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> Recorded:
    """Add several works to an unpublished production: all of them, or none."""
    return _fill(ledger, ledger.include_work, production_id, work_ids, actor_id, occurred_at)


def exclude_works(
    ledger: Ledger,
    production_id: UUID,
    work_ids: Sequence[UUID],
    *,
    actor_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> Recorded:
    """Take several works out of an unpublished production: all of them, or none."""
    return _fill(ledger, ledger.exclude_work, production_id, work_ids, actor_id, occurred_at)


def _fill(
    ledger: Ledger,
    command: Callable[..., Recorded],
    production_id: UUID,
    work_ids: Sequence[UUID],
    actor_id: UUID | None,
    occurred_at: datetime | None,
) -> Recorded:
    def act(_: UnitOfWork) -> None:
        # A work named twice is one inclusion (or exclusion), not two events.
        for work_id in dict.fromkeys(work_ids):
            command(production_id, work_id, actor_id=actor_id, occurred_at=occurred_at)

    _, position = in_one_transaction(ledger, act)
    return Recorded(production_id, position)
