"""What every command of the ``Ledger`` shares: running it, finding records, answering.

A command is a function of a unit of work: it loads what it needs, checks the
rules, triggers events, and ``_recorded`` runs it in one transaction (retried when
another writer got there first) and answers a ``Recorded``: the id of the record it
acted on and the position (notification id) of its last event, which a reader can
wait for (read-your-writes).

Inside ``with ledger.batch():`` commands are staged instead of saved, and the
batch saves them all in one transaction: how imports get many events per
transaction while running exactly the same rules.

The commands themselves live by theme beside this module (``members``, ``works``,
``comments``, ``productions``), each a mixin over ``LedgerBase``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Recording,
    StoredEvent,
)
from eventsourcing.utils import get_topic

from ledger.adapters.citation_guard import (
    check_citations_acyclic,
    citation_lock_for,
    records_citation,
)
from ledger.adapters.postgres import postgres_connect
from ledger.adapters.transcodings import register_ledger_transcodings
from ledger.application.unit_of_work import AggregateCache, UnitOfWork
from ledger.application.version_check import VersionCheck
from ledger.domain.comment import Comment
from ledger.domain.errors import (
    AmbiguousMemberError,
    LedgerError,
    NotCuratorError,
    PermissionDeniedError,
    UnknownCommentError,
    UnknownMemberError,
    UnknownProductionError,
    UnknownWorkError,
)
from ledger.domain.identity import (
    comment_id_for,
    handle_claim_id_for,
    member_id_for,
    production_id_for,
    vote_id_for,
    work_id_for,
)
from ledger.domain.member import HandleClaim, Member, is_handle_claim
from ledger.domain.production import Production
from ledger.domain.values import (
    Role,
    normalise_handle,
)
from ledger.domain.vote import Vote
from ledger.domain.work import Work

__all__ = [
    "ConcurrencyError",
    "LedgerBase",
    "Recorded",
    "check_self_or_operator",
]

T = TypeVar("T")
_RETRIES = 5
_SOURCE_CITED = get_topic(Work.SourceCited)
# How far back a command's own record's event is looked for (a few events a command).
_OWN_EVENT_WINDOW = 4


class ConcurrencyError(LedgerError):
    """Another writer kept changing the same records; the command was not recorded."""


@dataclass(frozen=True)
class Recorded:
    """What a command did: the record it acted on and the position of its last event.

    ``position`` is None when nothing new was recorded (an idempotent repeat) or
    when the command was staged in an open batch that has not been saved yet.
    """

    id: UUID
    position: int | None


class LedgerBase(Application[UUID]):
    """The plumbing of the ``Ledger``: unit-of-work execution, lookups, loading."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._local = threading.local()
        settings = dict(self.env)
        self._citation_lock = citation_lock_for(settings, lambda: postgres_connect(settings))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_ledger_transcodings(transcoder)

    # ---------------------------------------------------------------- plumbing

    @contextmanager
    def batch(
        self, cache: AggregateCache | None = None, *, dry_run: bool = False
    ) -> Iterator[UnitOfWork]:
        """Stage the commands run inside the block; save them together when it ends.

        With ``dry_run`` nothing is ever saved: commands are checked and forgotten.
        If the block raises, nothing staged in it is saved.
        """
        if getattr(self._local, "batch", None) is not None:
            raise RuntimeError("batches do not nest")
        uow = UnitOfWork(self, cache)
        self._local.batch = uow
        try:
            yield uow
        except BaseException:
            uow.discard()
            raise
        else:
            if dry_run:
                uow.discard()
            else:
                uow.commit()
        finally:
            self._local.batch = None

    @contextmanager
    def version_check(
        self, record_id: UUID, versions: Collection[int] | None = None
    ) -> Iterator[VersionCheck]:
        """Run the commands of the block only while ``record_id`` is stored at one of
        ``versions`` (an HTTP ``If-Match``), else raise ``PreconditionFailedError``.

        Each command checks inside its own unit of work, before it acts, so a
        retry after a concurrent change checks again (and fails) instead of
        acting on a state the caller never saw. With ``versions`` None nothing is
        checked; either way the check's ``reached`` is the record's version after
        the last command (an ETag for the answer).
        """
        if getattr(self._local, "version_check", None) is not None:
            raise RuntimeError("version checks do not nest")
        check = VersionCheck(record_id, None if versions is None else frozenset(versions))
        self._local.version_check = check
        try:
            yield check
        finally:
            self._local.version_check = None

    def _checked(self, command: Callable[[UnitOfWork], T]) -> Callable[[UnitOfWork], T]:
        check: VersionCheck | None = getattr(self._local, "version_check", None)
        if check is None:
            return command

        def checked(uow: UnitOfWork) -> T:
            check.check(uow)
            result = command(uow)
            check.note(uow)
            return result

        return checked

    def _execute(self, command: Callable[[UnitOfWork], T]) -> tuple[T, int | None]:
        command = self._checked(command)
        batch: UnitOfWork | None = getattr(self._local, "batch", None)
        if batch is not None:
            return batch.run(command), None
        for _ in range(_RETRIES):
            uow = UnitOfWork(self)
            result = uow.run(command)
            try:
                return result, uow.commit()
            except IntegrityError:
                # Someone else wrote one of these aggregates (or claimed the
                # same id) first: re-run against the new state, so the rules
                # decide (a second vote becomes a change, a taken handle an error).
                continue
        raise ConcurrencyError("the records kept changing under this command; try again")

    def save_events(self, events: Sequence[DomainEventProtocol[UUID]]) -> list[Recording[UUID]]:
        """``save(*events)`` for a list of new events: one transaction, same steps.

        ``Application.save`` checks each object against a runtime ``Protocol``
        (``isinstance(obj, DomainEventProtocol)``, ~8 us an event, a tenth of an
        import's time); these are known to be events, so they go straight in.
        """
        if records_citation(events):
            # Check again, under the lock every writer shares, against the store
            # as it is now: another process may have cited the other way round.
            with self._citation_lock():
                check_citations_acyclic(events, self._stored_work)
                return self._save_unchecked(events)
        return self._save_unchecked(events)

    def insert_stored_events(self, stored_events: Sequence[StoredEvent]) -> None:
        """Record events already in stored form, in one transaction (the import's fast path).

        Only the first events of new records come this way. A citation added to
        an existing work must go through ``save_events``, which checks it under
        the lock all writers share, so it is refused here.
        """
        if any(stored.topic == _SOURCE_CITED for stored in stored_events):
            raise ValueError("a citation is saved with save_events (the citation guard)")
        self.recorder.insert_events(stored_events)

    def _save_unchecked(self, events: Sequence[DomainEventProtocol[UUID]]) -> list[Recording[UUID]]:
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        processing_event.events.extend(events)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # the deprecated hook save() also calls
        return recordings

    def _stored_work(self, work_id: UUID) -> Work | None:
        found = self._find(work_id)
        return found if isinstance(found, Work) else None

    @property
    def head(self) -> int:
        """The position of the last event in the ledger (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    # ------------------------------------------------------------ resolution

    def find_member(self, reference: str) -> UUID:
        """A member id from an id, an external id or a handle (without regard to case).

        Registration keeps handles and external ids apart (``register_member``), but
        a ledger recorded before it did may hold an external id that is another
        member's handle: such a reference is refused, naming both, never guessed.
        """
        text = reference.strip()
        with suppress(ValueError):
            if isinstance(self._find(UUID(text)), Member):
                return UUID(text)
        if not text:
            raise UnknownMemberError(f"no member has id, external id or handle {reference!r}")
        by_external_id: Member | None = self._find(member_id_for(text))
        if not isinstance(by_external_id, Member):
            by_external_id = None
        by_handle = self._handle_owner(text)
        if by_external_id is not None and by_handle is not None and by_external_id != by_handle:
            raise AmbiguousMemberError(
                f"{reference!r} is the external id of member {by_external_id.id}"
                f" (@{by_external_id.handle}) and the handle of member {by_handle.id};"
                " refer to the member by id"
            )
        found = by_external_id or by_handle
        if found is None:
            raise UnknownMemberError(f"no member has id, external id or handle {reference!r}")
        return found.id

    def _handle_owner(self, text: str) -> Member | None:
        """The member whose handle ``text`` is; not one whose external id reserved it."""
        try:
            claim = self._find(handle_claim_id_for(normalise_handle(text)))
        except LedgerError:
            return None
        if not isinstance(claim, HandleClaim):
            return None
        owner = self._find(claim.member_id)
        return owner if is_handle_claim(claim, owner) else None

    def find_work(self, reference: str) -> UUID:
        """A work id from an id or an external id."""
        return self._find_by(reference, work_id_for, Work, UnknownWorkError("work"))

    def find_production(self, reference: str) -> UUID:
        """A production id from an id or an external id."""
        return self._find_by(
            reference, production_id_for, Production, UnknownProductionError("production")
        )

    def find_comment(self, reference: str) -> UUID:
        """A comment id from an id or an external id."""
        return self._find_by(reference, comment_id_for, Comment, UnknownCommentError("comment"))

    def _find_by(
        self, reference: str, derive: Callable[[str], UUID], cls: type[Any], error: LedgerError
    ) -> UUID:
        for candidate in _candidates(reference, derive):
            if isinstance(self._find(candidate), cls):
                return candidate
        raise type(error)(f"no {error.args[0]} has id or external id {reference!r}")

    def _find(self, aggregate_id: UUID) -> Any:
        """The record as stored (what other writers committed), whatever batch is open."""
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def record(self, aggregate_id: UUID) -> Any:
        """The record (aggregate) with this id, or None: as the batch open on this
        thread sees it (what it staged or preloaded), else as stored."""
        batch: UnitOfWork | None = getattr(self._local, "batch", None)
        if batch is not None:
            return batch.find(Aggregate, aggregate_id)
        return self._find(aggregate_id)

    def member(self, member_id: UUID) -> Member:
        return self._load(Member, member_id, UnknownMemberError)

    def work(self, work_id: UUID) -> Work:
        return self._load(Work, work_id, UnknownWorkError)

    def comment_record(self, comment_id: UUID) -> Comment:
        return self._load(Comment, comment_id, UnknownCommentError)

    def production(self, production_id: UUID) -> Production:
        return self._load(Production, production_id, UnknownProductionError)

    def vote_of(self, member_id: UUID, work_id: UUID) -> Vote | None:
        found = self._find(vote_id_for(member_id, work_id))
        return found if isinstance(found, Vote) else None

    def _load(self, cls: type[T], aggregate_id: UUID, error: type[LedgerError]) -> T:
        found = self._find(aggregate_id)
        if not isinstance(found, cls):
            raise error(f"no {cls.__name__.lower()} has id {aggregate_id}")
        return found

    # ---------------------------------------------------------------- helpers

    def _recorded(self, command: Callable[[UnitOfWork], UUID]) -> Recorded:
        record_id, position = self._execute(command)
        return Recorded(record_id, position)

    def _own_position(self, recorded: Recorded) -> Recorded:
        """``recorded`` at the position of its record's last event, which a command
        may have saved before events of other records (in the same transaction)."""
        if recorded.position is None:
            return recorded
        start = max(1, recorded.position - _OWN_EVENT_WINDOW)
        saved = self.recorder.select_notifications(start, _OWN_EVENT_WINDOW + 1, recorded.position)
        for notification in reversed(saved):
            if notification.originator_id == recorded.id:
                return Recorded(recorded.id, notification.id)
        return recorded

    @staticmethod
    def _member(uow: UnitOfWork, member_id: UUID) -> Member:
        return uow.get(
            Member, member_id, lambda: UnknownMemberError(f"no member has id {member_id}")
        )

    @staticmethod
    def _work(uow: UnitOfWork, work_id: UUID) -> Work:
        return uow.get(Work, work_id, lambda: UnknownWorkError(f"no work has id {work_id}"))

    @staticmethod
    def _production(uow: UnitOfWork, production_id: UUID) -> Production:
        return uow.get(
            Production,
            production_id,
            lambda: UnknownProductionError(f"no production has id {production_id}"),
        )

    def _check_curator(self, uow: UnitOfWork, member_id: UUID, act: str) -> None:
        member = self._member(uow, member_id)
        if not member.has_role(Role.CURATOR):
            raise NotCuratorError(f"only a curator may {act}; {member.handle!r} is not one")


def check_self_or_operator(actor_id: UUID | None, member_id: UUID, act: str) -> None:
    if actor_id is not None and actor_id != member_id:
        raise PermissionDeniedError(f"only the member themself (or the operator) may {act}")


def _candidates(reference: str, derive: Callable[[str], UUID]) -> Iterator[UUID]:
    text = reference.strip()
    with suppress(ValueError):
        yield UUID(text)
    if text:
        yield derive(text)
