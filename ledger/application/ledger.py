"""The Ledger application: every command of the studio, each recorded as events.

Commands load what they need through a unit of work, check the rules, trigger
events and save them in one transaction. Each returns a ``Recorded``: the id of
the record it acted on and the position (notification id) of its last event,
which a reader can wait for (read-your-writes).

A command that creates a record (a work, a comment, a production) and is given an
``idempotency_key`` but no external id derives the record's id from (actor, key)
(``ledger.identity.keyed_id_for``): run again with the same key, it finds the
record it made, records nothing and answers the same id, so a request retried after
a crash between saving and answering makes no second record.

Inside ``with ledger.batch():`` commands are staged instead of saved, and the
batch saves them all in one transaction: how imports get many events per
transaction while running exactly the same rules.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    PersistenceError,
    Recording,
    StoredEvent,
)
from eventsourcing.utils import get_topic

from ledger.adapters.citation_guard import (
    check_citations_acyclic,
    citation_lock_for,
    cycle_error,
    is_ancestor,
    records_citation,
)
from ledger.adapters.derived_works import citing_works, derived_works, may_be_cited
from ledger.adapters.paying_productions import pays_absolute, productions_that_chose_absolute
from ledger.adapters.settings import ENV_VAR, check_sqlite_location, resolve_db_setting
from ledger.adapters.storage import storage_error
from ledger.adapters.transcodings import register_ledger_transcodings
from ledger.application.proposals import ProposalCommands
from ledger.application.unit_of_work import AggregateCache, UnitOfWork
from ledger.domain.comment import Comment
from ledger.domain.errors import (
    AmbiguousMemberError,
    DatabaseSettingError,
    DuplicateExternalIdError,
    InvalidWeightsError,
    LedgerError,
    NotCuratorError,
    PermissionDeniedError,
    PreconditionFailedError,
    RoyaltyOverAllocationError,
    StorageFullError,
    UnknownCommentError,
    UnknownMemberError,
    UnknownProductionError,
    UnknownWorkError,
)
from ledger.domain.identity import (
    comment_id_for,
    handle_claim_id_for,
    keyed_id_for,
    member_id_for,
    new_id,
    production_id_for,
    vote_id_for,
    work_id_for,
)
from ledger.domain.member import HandleClaim, Member, is_handle_claim
from ledger.domain.numbers import check_decimal_size
from ledger.domain.production import DEFAULT_POOL_PERCENT, Production
from ledger.domain.royalty_stack import (
    Lineage,
    StackedClaims,
    check_absolute_stack,
    check_own_split,
)
from ledger.domain.rules import (
    check_built_after,
    check_contributor,
    check_external_id,
    check_registration,
    check_remix,
    external_id_taken_error,
    external_name_to_reserve,
    handle_taken_error,
    occurred,
)
from ledger.domain.values import (
    Citation,
    CreditMode,
    Kind,
    Money,
    Role,
    check_text,
    normalise_handle,
    parse_enum,
)
from ledger.domain.vote import Vote, check_vote_value
from ledger.domain.work import Work

__all__ = [
    "ConcurrencyError",
    "IdempotencyKeyReusedError",
    "Ledger",
    "PolicyCheck",
    "Recorded",
    "VersionCheck",
    "open_ledger",
    "postgres_connect",
    "postgres_setup_lock",
]

T = TypeVar("T")
PolicyCheck = Callable[[str, Mapping[str, str], Sequence[str]], str]
A = TypeVar("A", bound=Aggregate)
_RETRIES = 5
_SOURCE_CITED = get_topic(Work.SourceCited)
# How far back a command's own record's event is looked for (a few events a command).
_OWN_EVENT_WINDOW = 4


class ConcurrencyError(LedgerError):
    """Another writer kept changing the same records; the command was not recorded."""


class IdempotencyKeyReusedError(LedgerError):
    """The idempotency key already created another record; nothing was recorded."""


@dataclass(frozen=True)
class Recorded:
    """What a command did: the record it acted on and the position of its last event.

    ``position`` is None when nothing new was recorded (an idempotent repeat) or
    when the command was staged in an open batch that has not been saved yet.
    """

    id: UUID
    position: int | None


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


class Ledger(ProposalCommands, Application[UUID]):
    """The studio's ledger: members, works, comments, votes and productions."""

    name = "RemixLedger"

    #: Checks a policy choice (name, parameters, weights as typed) and answers the
    #: policy's name as recorded: the lineage layer's ``check_policy_choice``, set by
    #: the entry points (the ledger knows no policies). None: only the name's length.
    policy_check: PolicyCheck | None = None

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

    # ---------------------------------------------------------------- members

    def register_member(
        self,
        *,
        handle: str,
        name: str | None = None,
        external_id: str | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Register a member; the handle is unique without regard to case."""
        canonical = check_registration(handle, external_id)
        member_id = member_id_for(external_id) if external_id else new_id()
        claim_id = handle_claim_id_for(canonical)
        # Handles and external ids share one namespace of names (a reference is
        # tried as both): the external id claims its name beside the handle, so
        # the store's uniqueness refuses a clash even between two racing writers.
        external_name = external_name_to_reserve(canonical, external_id)
        name_id = None if external_name is None else handle_claim_id_for(external_name)

        def command(uow: UnitOfWork) -> UUID:
            if external_id and uow.exists(member_id):
                raise DuplicateExternalIdError(f"a member with external id {external_id!r} exists")
            # Taken by a handle, by an external id's claim, or by an external id
            # recorded before external ids claimed their names.
            if uow.exists(claim_id) or uow.find(Member, member_id_for(canonical)) is not None:
                raise handle_taken_error(canonical)
            reserve = False
            if name_id is not None and external_id is not None:
                reserve = self._external_name_is_free(uow, name_id, external_id)
            member = Member.register(
                id=member_id,
                handle=canonical,
                name=name if name is not None else canonical,
                external_id=external_id,
                actor_id=actor_id,
                occurred_at=occurred(occurred_at),
            )
            uow.add(member)
            uow.add(HandleClaim.claim(id=claim_id, handle=canonical, member_id=member_id))
            if reserve and name_id is not None and external_name is not None:
                uow.add(HandleClaim.claim(id=name_id, handle=external_name, member_id=member_id))
            return member_id

        # The member's own event, not the claim saved after it: the position the
        # member's history shows.
        return self._own_position(self._recorded(command))

    @staticmethod
    def _external_name_is_free(uow: UnitOfWork, name_id: UUID, external_id: str) -> bool:
        """True when no one holds the name an external id reads as; raise when it is a
        handle. False when an external id differing only in case claimed it first:
        external ids are compared exactly, and that claim keeps handles off it."""
        claim = uow.find(HandleClaim, name_id)
        if claim is None:
            return True
        if is_handle_claim(claim, uow.find(Member, claim.member_id)):
            raise external_id_taken_error(external_id)
        return False

    def rename_member(
        self,
        member_id: UUID,
        *,
        name: str,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Change a member's display name (the handle stays)."""

        def command(uow: UnitOfWork) -> UUID:
            member = self._member(uow, member_id)
            _check_self_or_operator(actor_id, member_id, "rename a member")
            if not member.has_applied(idempotency_key):
                member.rename(
                    name=name,
                    actor_id=actor_id,
                    occurred_at=occurred(occurred_at),
                    idempotency_key=idempotency_key,
                )
            return member_id

        return self._recorded(command)

    def grant_role(
        self,
        member_id: UUID,
        role: str,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Grant a role; the operator (actor None) or a curator may grant it. Idempotent."""
        granted = parse_enum(Role, role, "role")

        def command(uow: UnitOfWork) -> UUID:
            member = self._member(uow, member_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "grant roles")
            if not member.has_role(granted):
                member.grant_role(
                    role=granted.value, actor_id=actor_id, occurred_at=occurred(occurred_at)
                )
            return member_id

        return self._recorded(command)

    def set_credit_preference(
        self,
        member_id: UUID,
        mode: str,
        *,
        pseudonym: str | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """How a member is credited: by name, by a pseudonym, or not at all."""
        credit_mode = parse_enum(CreditMode, mode, "credit mode")
        Member.check_credit_preference(credit_mode, pseudonym)

        def command(uow: UnitOfWork) -> UUID:
            member = self._member(uow, member_id)
            _check_self_or_operator(actor_id, member_id, "set a credit preference")
            if not member.has_applied(idempotency_key):
                member.set_credit_preference(
                    mode=credit_mode.value,
                    pseudonym=pseudonym,
                    actor_id=actor_id,
                    occurred_at=occurred(occurred_at),
                    idempotency_key=idempotency_key,
                )
            return member_id

        return self._recorded(command)

    # ------------------------------------------------------------------ works

    def contribute(
        self,
        *,
        authors: Sequence[UUID],
        title: str,
        kind: str = Kind.TEXT,
        body: str | None = None,
        uri: str | None = None,
        license: str | None = None,
        external_id: str | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Contribute an original work (one with no sources)."""
        return self.remix(
            authors=authors,
            title=title,
            kind=kind,
            sources=(),
            body=body,
            uri=uri,
            license=license,
            external_id=external_id,
            actor_id=actor_id,
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
        )

    def remix(
        self,
        *,
        authors: Sequence[UUID],
        title: str,
        sources: Sequence[Citation],
        kind: str = Kind.TEXT,
        body: str | None = None,
        uri: str | None = None,
        license: str | None = None,
        external_id: str | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
        as_recorded: bool = False,
    ) -> Recorded:
        """Record a work built on ``sources`` (1..32 distinct, existing, unretracted works).

        With no sources it is an original (``contribute``). With an
        ``idempotency_key`` (and no ``external_id``) the same act again records nothing.
        ``as_recorded`` (an archive's record of the past) keeps a date before a source's.
        """
        work_id = _id_for_new("work", work_id_for, external_id, actor_id, idempotency_key)
        work_kind = check_remix(work_id, external_id, kind, authors, sources)
        keyed = idempotency_key is not None and not external_id

        def same_work(work: Work) -> bool:
            made = (work.authors, work.title, work.kind, work.body, work.uri, work.license)
            asked = (tuple(authors), title, work_kind, body, uri, license)
            return made == asked and work.sources == tuple(sources)

        def command(uow: UnitOfWork) -> UUID:
            if external_id and uow.exists(work_id):
                raise DuplicateExternalIdError(f"a work with external id {external_id!r} exists")
            if keyed and _made_already(uow, Work, work_id, same_work):
                return work_id
            for author_id in authors:
                self._member(uow, author_id)
            check_contributor(actor_id, authors)
            when = occurred(occurred_at)
            for citation in sources:
                source = self._work(uow, citation.work_id)
                source.check_not_retracted("remixed")
                check_built_after(
                    when, source.title, source.contributed_at, as_recorded=as_recorded
                )
            check_own_split(title, sources, self._lineage_reader(uow))
            uow.add(
                Work.create(
                    id=work_id,
                    authors=authors,
                    title=title,
                    kind=work_kind,
                    body=body,
                    uri=uri,
                    license=license,
                    external_id=external_id,
                    actor_id=actor_id,
                    occurred_at=when,
                    sources=sources,
                )
            )
            return work_id

        return self._recorded(command)

    def cite_source(
        self,
        work_id: UUID,
        citation: Citation,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        as_recorded: bool = False,
    ) -> Recorded:
        """Add a source to a work; refused if it would make the work its own ancestor.

        A citation dated before its source was contributed is refused, unless
        ``as_recorded`` (an archive's record of the past keeps its dates).
        """

        def command(uow: UnitOfWork) -> UUID:
            work = self._work(uow, work_id)
            if citation.work_id in work.source_ids:
                return work_id  # already cited: repeating it records nothing
            work.check_author(actor_id, "cite its sources")
            Work.check_sources(work.id, (*work.sources, citation))
            source = self._work(uow, citation.work_id)
            source.check_not_retracted("cited")
            when = occurred(occurred_at)
            check_built_after(when, source.title, source.contributed_at, as_recorded=as_recorded)
            self._check_no_cycle(uow, work, source)
            cited = (*work.sources, citation)
            check_own_split(work.title, cited, self._lineage_reader(uow))
            self._check_paid_under_absolute(uow, work, cited)
            work.cite_source(citation=citation, actor_id=actor_id, occurred_at=when)
            return work_id

        return self._recorded(command)

    def _check_no_cycle(self, uow: UnitOfWork, work: Work, source: Work) -> None:
        if is_ancestor(work.id, source.id, lambda current: self._work(uow, current).source_ids):
            raise cycle_error(source.title, work.title)

    def _check_paid_under_absolute(
        self, uow: UnitOfWork, work: Work, sources: Sequence[Citation]
    ) -> None:
        """Refuse a new citation in ``work`` that stacks a work a production pays under
        ``absolute`` (``work`` itself or one built on it) over 100%.

        The productions are found in the log (``ledger.paying_productions``) and
        among those staged in this batch; the works built on ``work`` likewise
        (``ledger.derived_works``). Each is checked as if ``work`` cited ``sources``.
        """
        paid = self._works_paid_under_absolute(uow)
        if not paid:
            return
        targets = [w for w in (work.id, *self._works_built_on(uow, work)) if w in paid]
        if not targets:
            return
        lineage = self._lineage_reader(uow, {work.id: (work.title, sources)})
        claims = StackedClaims()
        for target in targets:
            title, target_sources = lineage(target)
            try:
                check_absolute_stack(title, target_sources, claims, lineage)
            except RoyaltyOverAllocationError as error:
                built_on = "" if target == work.id else f'"{title}" is built on "{work.title}"; '
                raise RoyaltyOverAllocationError(
                    f'{built_on}production "{paid[target]}" pays "{title}" under the absolute'
                    f" policy: {error}"
                ) from None

    def _works_paid_under_absolute(self, uow: UnitOfWork) -> dict[UUID, str]:
        """Each work a production pays under ``absolute`` now, with that production's title."""
        candidates = productions_that_chose_absolute(self.recorder, self.mapper)
        candidates.update(p.id for p in uow.touched() if isinstance(p, Production))
        paid: dict[UUID, str] = {}
        for production_id in sorted(candidates, key=str):
            production = uow.find(Production, production_id)
            if production is not None and pays_absolute(production.policy):
                for work_id in production.work_ids:
                    paid.setdefault(work_id, production.title)
        return paid

    def _works_built_on(self, uow: UnitOfWork, work: Work) -> list[UUID]:
        """The works built on ``work``, in the log and staged in this batch, nearest first."""
        cited = may_be_cited(self.recorder, self.mapper, work.id)
        citing = citing_works(self.recorder, self.mapper) if cited else {}
        for staged in uow.touched():
            if isinstance(staged, Work):
                for source_id in staged.source_ids:
                    citing.setdefault(source_id.hex, set()).add(staged.id.hex)
        return [UUID(hex=derived) for derived in derived_works(work.id.hex, citing)]

    def _check_absolute_stacks(
        self, uow: UnitOfWork, production: Production, work_ids: Sequence[UUID], act: str
    ) -> None:
        """Refuse paying ``work_ids`` under ``absolute`` where their stacks pass 100%."""
        lineage = self._lineage_reader(uow)
        claims = StackedClaims()
        for work_id in work_ids:
            title, sources = lineage(work_id)
            try:
                check_absolute_stack(title, sources, claims, lineage)
            except RoyaltyOverAllocationError as error:
                raise RoyaltyOverAllocationError(
                    f'production "{production.title}" {act}: {error}'
                ) from None

    def _lineage_reader(
        self,
        uow: UnitOfWork,
        overlay: Mapping[UUID, tuple[str, Sequence[Citation]]] | None = None,
    ) -> Lineage:
        """Read a work's title and citations once (a refusal walks the lineage twice).

        ``overlay`` answers for the works it names (a citation not recorded yet).
        """
        read: dict[UUID, tuple[str, Sequence[Citation]]] = dict(overlay or {})

        def lineage(work_id: UUID) -> tuple[str, Sequence[Citation]]:
            found = read.get(work_id)
            if found is None:
                work = self._work(uow, work_id)
                found = read[work_id] = (work.title, work.sources)
            return found

        return lineage

    def retract_work(
        self,
        work_id: UUID,
        *,
        reason: str | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Hide a work from rankings and new remixes; the log keeps everything."""

        def command(uow: UnitOfWork) -> UUID:
            self._work(uow, work_id).retract(
                reason=reason, actor_id=actor_id, occurred_at=occurred(occurred_at)
            )
            return work_id

        return self._recorded(command)

    # ------------------------------------------------------ comments and votes

    def comment(
        self,
        *,
        work_id: UUID,
        author_id: UUID,
        text: str,
        external_id: str | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Comment on a work; with an ``idempotency_key`` (and no ``external_id``) the
        same comment again records nothing."""
        check_external_id(external_id)
        comment_id = _id_for_new("comment", comment_id_for, external_id, author_id, idempotency_key)
        keyed = idempotency_key is not None and not external_id

        def same_comment(comment: Comment) -> bool:
            return (comment.work_id, comment.author_id, comment.text) == (work_id, author_id, text)

        def command(uow: UnitOfWork) -> UUID:
            if external_id and uow.exists(comment_id):
                raise DuplicateExternalIdError(f"a comment with external id {external_id!r} exists")
            if keyed and _made_already(uow, Comment, comment_id, same_comment):
                return comment_id
            self._member(uow, author_id)
            self._work(uow, work_id).check_not_retracted("commented on")
            uow.add(
                Comment.write(
                    id=comment_id,
                    work_id=work_id,
                    author_id=author_id,
                    text=text,
                    external_id=external_id,
                    occurred_at=occurred(occurred_at),
                )
            )
            return comment_id

        return self._recorded(command)

    def retract_comment(
        self,
        comment_id: UUID,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Hide a comment; only its author (or the operator) may."""

        def command(uow: UnitOfWork) -> UUID:
            comment = uow.get(
                Comment, comment_id, lambda: UnknownCommentError(f"no comment has id {comment_id}")
            )
            comment.retract(actor_id=actor_id, occurred_at=occurred(occurred_at))
            return comment_id

        return self._recorded(command)

    def vote(
        self,
        *,
        member_id: UUID,
        work_id: UUID,
        value: int,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Vote +1 or -1; voting again changes the one vote a member has on a work."""
        check_vote_value(value)
        vote_id = vote_id_for(member_id, work_id)

        def command(uow: UnitOfWork) -> UUID:
            self._member(uow, member_id)
            work = self._work(uow, work_id)
            work.check_not_retracted("voted on")
            Vote.check_voter(member_id, work.authors, work.title)
            when = occurred(occurred_at)
            vote = uow.find(Vote, vote_id)
            if vote is None:
                uow.add(
                    Vote.cast(
                        id=vote_id,
                        member_id=member_id,
                        work_id=work_id,
                        value=value,
                        occurred_at=when,
                        idempotency_key=idempotency_key,
                    )
                )
            elif not vote.has_applied(idempotency_key) and vote.value != value:
                vote.change(
                    value=value,
                    actor_id=member_id,
                    occurred_at=when,
                    idempotency_key=idempotency_key,
                )
            return vote_id

        return self._recorded(command)

    @staticmethod
    def vote_records(member_id: UUID, work_id: UUID) -> tuple[UUID, ...]:
        """The records ``vote`` and ``withdraw_vote`` read, so that a batch of votes
        can load them together (``UnitOfWork.preload``)."""
        return (member_id, work_id, vote_id_for(member_id, work_id))

    def withdraw_vote(
        self,
        *,
        member_id: UUID,
        work_id: UUID,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Withdraw a member's vote on a work (no vote left: nothing to record)."""
        vote_id = vote_id_for(member_id, work_id)

        def command(uow: UnitOfWork) -> UUID:
            self._member(uow, member_id)
            self._work(uow, work_id)
            vote = uow.find(Vote, vote_id)
            if vote is not None and not vote.is_withdrawn and not vote.has_applied(idempotency_key):
                vote.withdraw(
                    actor_id=member_id,
                    occurred_at=occurred(occurred_at),
                    idempotency_key=idempotency_key,
                )
            return vote_id

        return self._recorded(command)

    # ------------------------------------------------------------ productions

    def create_production(
        self,
        *,
        title: str,
        curator_id: UUID,
        external_id: str | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Start a production curated by ``curator_id`` (who must hold the curator role).

        With an ``idempotency_key`` (and no ``external_id``) the same act again
        records nothing.
        """
        check_external_id(external_id)
        production_id = _id_for_new(
            "production", production_id_for, external_id, actor_id, idempotency_key
        )
        check_text("title", title, 200)
        keyed = idempotency_key is not None and not external_id

        def same_production(production: Production) -> bool:
            return (production.title, production.curator_id) == (title, curator_id)

        def command(uow: UnitOfWork) -> UUID:
            if external_id and uow.exists(production_id):
                raise DuplicateExternalIdError(
                    f"a production with external id {external_id!r} exists"
                )
            if keyed and _made_already(uow, Production, production_id, same_production):
                return production_id
            self._check_curator(uow, curator_id, "curate a production")
            if actor_id is not None:
                self._check_curator(uow, actor_id, "create productions")
            uow.add(
                Production.create(
                    id=production_id,
                    title=title,
                    curator_id=curator_id,
                    external_id=external_id,
                    actor_id=actor_id,
                    occurred_at=occurred(occurred_at),
                )
            )
            return production_id

        return self._recorded(command)

    def include_work(
        self,
        production_id: UUID,
        work_id: UUID,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Add a work to an unpublished production."""

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "fill productions")
            self._work(uow, work_id).check_not_retracted("included")
            if not production.has_applied(idempotency_key):
                if pays_absolute(production.policy) and work_id not in production.work_ids:
                    self._check_absolute_stacks(
                        uow, production, [work_id], "pays its works under the absolute policy"
                    )
                production.include_work(
                    work_id=work_id,
                    actor_id=actor_id,
                    occurred_at=occurred(occurred_at),
                    idempotency_key=idempotency_key,
                )
            return production_id

        return self._recorded(command)

    def exclude_work(
        self,
        production_id: UUID,
        work_id: UUID,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Take a work out of an unpublished production."""

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "fill productions")
            if not production.has_applied(idempotency_key):
                production.exclude_work(
                    work_id=work_id,
                    actor_id=actor_id,
                    occurred_at=occurred(occurred_at),
                    idempotency_key=idempotency_key,
                )
            return production_id

        return self._recorded(command)

    def publish(
        self,
        production_id: UUID,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Publish a production, once; its contents are frozen from then on."""

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "publish productions")
            production.publish(actor_id=actor_id, occurred_at=occurred(occurred_at))
            return production_id

        return self._recorded(command)

    def record_revenue(
        self,
        production_id: UUID,
        amount: Money,
        *,
        external_id: str | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Record revenue a published production earned (positive, in minor units).

        An ``external_id`` (or an ``idempotency_key``) makes recording it again a no-op.
        """
        check_external_id(external_id)
        amount.check_recordable()
        key = f"revenue:{external_id}" if external_id else idempotency_key

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "record revenue")
            if not production.has_applied(key):
                production.record_revenue(
                    amount=amount,
                    external_id=external_id,
                    actor_id=actor_id,
                    occurred_at=occurred(occurred_at),
                    idempotency_key=key,
                )
            return production_id

        return self._recorded(command)

    def choose_policy(
        self,
        production_id: UUID,
        policy: str,
        *,
        params: Mapping[str, str] | None = None,
        pool_percent: Decimal = DEFAULT_POOL_PERCENT,
        weights: Mapping[UUID, Decimal] | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Choose how the production's revenue is shared: the royalty policy (by name),
        its parameters, the contributor pool's percentage, and optional weights of the
        included works (one each, none negative, not all zero).

        The policy and its parameters are checked by ``policy_check`` (the lineage
        layer's, wired by the entry points), which also names the policy as recorded.
        Choosing ``absolute`` checks every included work's stacked claims.
        """
        parameters = dict(params or {})
        if self.policy_check is not None:
            policy = self.policy_check(
                policy, parameters, [str(v) for v in (weights or {}).values()]
            )

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "choose royalty policies")
            if weights is not None:
                self._check_weights(uow, production, weights)
            if production.has_applied(idempotency_key):
                return production_id
            if pays_absolute(policy):
                self._check_absolute_stacks(
                    uow, production, production.work_ids, "cannot pay under the absolute policy"
                )
            production.choose_policy(
                idempotency_key=idempotency_key,
                policy=policy,
                params=parameters,
                pool_percent=pool_percent,
                weights=None if weights is None else {w.hex: str(v) for w, v in weights.items()},
                actor_id=actor_id,
                occurred_at=occurred(occurred_at),
            )
            return production_id

        return self._recorded(command)

    def _check_weights(
        self, uow: UnitOfWork, production: Production, weights: Mapping[UUID, Decimal]
    ) -> None:
        """One weight for each included work, none negative, at least one above zero."""

        def named(work_id: UUID) -> str:
            found = uow.find(Work, work_id)
            return repr(found.title) if found is not None else str(work_id)

        for work_id, value in weights.items():
            check_decimal_size(value, "work weight")
            if work_id not in production.work_ids:
                raise InvalidWeightsError(
                    f"{named(work_id)} is not in production {production.title!r}",
                    work_id=work_id,
                )
            if not (value.is_finite() and value >= 0):
                raise InvalidWeightsError(
                    f"weight {value} is not a number of 0 or more", work_id=work_id
                )
        for work_id in production.work_ids:
            if work_id not in weights:
                raise InvalidWeightsError(
                    f"production {production.title!r} includes {named(work_id)}, which has no"
                    " weight; give every included work one"
                )
        if not any(weights.values()):
            raise InvalidWeightsError("the weights total 0; at least one must be more than 0")

    def waive_share(
        self,
        production_id: UUID,
        member_id: UUID,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """A member gives up their share of the production's statements from now on;
        it is redistributed proportionally among the other contributors."""

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            self._member(uow, member_id)
            _check_self_or_operator(actor_id, member_id, "waive a share")
            production.waive_share(
                member_id=member_id, actor_id=actor_id, occurred_at=occurred(occurred_at)
            )
            return production_id

        return self._recorded(command)

    def issue_statement(
        self,
        production_id: UUID,
        revenue_number: int,
        statement: Mapping[str, Any],
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Record the royalty statement of one revenue payment (1 = the first), once."""

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "issue royalty statements")
            production.issue_statement(
                revenue_number=revenue_number,
                statement=dict(statement),
                actor_id=actor_id,
                occurred_at=occurred(occurred_at),
            )
            return production_id

        return self._recorded(command)

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


def _check_self_or_operator(actor_id: UUID | None, member_id: UUID, act: str) -> None:
    if actor_id is not None and actor_id != member_id:
        raise PermissionDeniedError(f"only the member themself (or the operator) may {act}")


def _id_for_new(
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


def _made_already(
    uow: UnitOfWork, cls: type[A], record_id: UUID, same: Callable[[A], bool]
) -> bool:
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


def _candidates(reference: str, derive: Callable[[str], UUID]) -> Iterator[UUID]:
    text = reference.strip()
    with suppress(ValueError):
        yield UUID(text)
    if text:
        yield derive(text)


def open_ledger(url: str | None = None) -> Ledger:
    """Open the ledger named by a database URL (see ``ledger.settings``).

    A malformed or unreachable setting raises ``DatabaseSettingError`` with one
    line that names the setting, never a driver's traceback; a ledger that cannot
    be opened for writing because its disk is full, ``StorageFullError``.
    """
    setting = resolve_db_setting(url)
    check_sqlite_location(setting)
    try:
        with postgres_setup_lock(setting.env) if setting.backend == "postgres" else nullcontext():
            ledger = Ledger(env=setting.env)
        ledger.recorder.max_notification_id()
    except (PersistenceError, OSError, ImportError, sqlite3.Error, _psycopg_error()) as error:
        full = storage_error(error, setting.sqlite_path)
        if isinstance(full, StorageFullError):
            # Not a bad setting: the ledger is there, and can be read (``open_full_ledger``).
            raise full from None
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db {setting.redacted_url!r}: cannot open the ledger: {reason}"
        ) from None
    return ledger


@contextmanager
def postgres_setup_lock(env: dict[str, str]) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock while tables are created.

    Several processes opening one new ledger at once would otherwise race on
    CREATE TABLE / CREATE TYPE and fail with "tuple concurrently updated". The
    first connection also fails fast and plainly on a wrong URL, and creates the
    URL's ``?schema=`` when it is missing.
    """
    from psycopg import sql

    with postgres_connect(env) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (_SETUP_LOCK_KEY,))
        try:
            if "POSTGRES_SCHEMA" in env:
                schema = sql.Identifier(env["POSTGRES_SCHEMA"])
                connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK_KEY,))


def postgres_connect(env: dict[str, str]) -> Any:
    """A connection of its own (autocommit) to the database ``env`` names."""
    import psycopg

    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
        connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
        autocommit=True,
    )


# An arbitrary constant that names "remix-ledger is creating its tables".
_SETUP_LOCK_KEY = 0x52454D49584C4544


def _psycopg_error() -> type[Exception]:
    try:
        import psycopg
    except ImportError:
        return PersistenceError
    return psycopg.Error
