"""A condition on one record's stored version (an HTTP ``If-Match``), for the
commands run under ``Ledger.version_check``."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.application.unit_of_work import UnitOfWork
from ledger.domain.errors import PreconditionFailedError

__all__ = ["VersionCheck"]


@dataclass
class VersionCheck:
    """A condition on one record's stored version, for the commands run under it.

    ``versions`` None checks nothing; ``reached`` is the version the record had
    after the last command run under the check (what the next condition names).
    """

    record_id: UUID
    versions: frozenset[int] | None
    reached: int | None = None

    def check(self, uow: UnitOfWork) -> None:
        record = uow.find(Aggregate, self.record_id)
        if record is None or self.versions is None:
            return  # a missing record is the command's own error (unknown ...)
        # Events this unit of work staged already (earlier commands of a batch)
        # are not stored yet: the condition names the stored version.
        staged = sum(1 for event in uow.events if event.originator_id == self.record_id)
        stored = record.version - staged
        if stored not in self.versions:
            raise PreconditionFailedError(
                f"record {self.record_id} is at version {stored}, not the one expected",
                record_id=self.record_id,
                current_version=stored,
            )

    def note(self, uow: UnitOfWork) -> None:
        record = uow.find(Aggregate, self.record_id)
        if record is not None:
            self.reached = record.version
