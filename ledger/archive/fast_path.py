"""The import's fast path: member, work, comment and vote lines straight to stored events.

The command path builds an aggregate per record and saves it through
``Application.save``: the library's event and aggregate construction, its
transcoder walking ``vars(event)`` with a callback per UUID and datetime, and
the save plumbing cost about 45 us an event, as much as the bare library's whole
save. For the four line types that make up the bulk of an archive (and all of
the benchmark's), this path records the same events without aggregates: it
keeps a small fact per record (a member exists, a work's title and authors, a
vote's value and key), makes the same checks in the same order with the same
functions (``ledger.rules``, the aggregates' static ``check_*`` methods,
``references.resolve``), and writes each batch's events through the ledger's
recorder in one transaction, in the state the library would write: same
originator ids, versions, topics, and JSON bytes (``stored_states`` writes them
in the transcoder's format, checked against it; only the recording
``timestamp`` differs, it is "now").

It runs only while it knows every record in the ledger: from an empty ledger,
and until another writer shows up (the importer compares the head). Anything
else it hands over (``HandOver``) before staging anything for that line: other
line types (a retraction, a vote withdrawn...), a vote that changes a vote. The
importer then replays
that whole batch through the command path and stays there. Because a new
record's events are version 1 of a new id, the store's uniqueness still refuses
a duplicate that another writer made, and no event here records a citation
after the fact (a new work cannot close a cycle), so the citation guard has
nothing to check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Context, Decimal, Inexact, Rounded
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from eventsourcing.utils import get_topic

import ledger.archive.stored_states as stored_states
from ledger.application.ledger import Ledger
from ledger.archive.references import Derived, citation, content_key, resolve
from ledger.archive.schema import Line
from ledger.archive.stored_states import NULL
from ledger.domain.comment import Comment
from ledger.domain.errors import UnknownMemberError, UnknownWorkError
from ledger.domain.identity import (
    comment_id_for,
    handle_claim_id_for,
    member_id_for,
    vote_id_for,
    work_id_for,
)
from ledger.domain.member import HandleClaim, Member
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
from ledger.domain.values import Citation
from ledger.domain.vote import Vote, check_vote_value
from ledger.domain.work import Work

__all__ = ["FastPath", "HandOver"]


class HandOver(Exception):
    """The line needs the command path: a type or a situation this path does not record."""


@dataclass(slots=True)
class _MemberFacts:
    id: UUID
    json: str  # the id as the stored state writes it


@dataclass(slots=True)
class _WorkFacts:
    """What the checks of later lines read of a work this import recorded."""

    id: UUID
    json: str
    title: str
    authors: tuple[UUID, ...]
    created_at: datetime


# A vote's value and idempotency key; a plain tuple of an int and a string, which
# the garbage collector stops tracking (there is one per vote).
_VoteFacts = tuple[int, str]
_CLAIM = "handle claim"
_EXTERNAL_NAME = "the name an external id reads as"  # a claim, but not of a handle
_COMMENT = "comment"

_REGISTERED = get_topic(Member.Registered)
_CLAIMED = get_topic(HandleClaim.Claimed)
_CONTRIBUTED = get_topic(Work.Contributed)
_REMIXED = get_topic(Work.Remixed)
_COMMENTED = get_topic(Comment.Commented)
_VOTED = get_topic(Vote.Voted)
# The events the fast path writes itself, as version 1 (``stored_states``): a
# class that declares a later ``class_version`` must go through the commands.
_WRITTEN = (
    Member.Registered,
    HandleClaim.Claimed,
    Work.Contributed,
    Work.Remixed,
    Comment.Commented,
    Vote.Voted,
)


class FastPath:
    """Stages lines of an import into a ledger it knows completely; one batch at a time."""

    def __init__(self, ledger: Ledger, derived: Derived, *, strict: bool = False) -> None:
        self._ledger = ledger
        self._as_recorded = not strict
        # Works staged with a date before one of their sources' (kept, unless strict).
        self.out_of_order = 0
        self._now: Callable[[], datetime] = Member.Registered.create_timestamp
        self.derived = derived
        # Every record this import has staged or saved, by the integer of its id
        # (hashed in C, and not an object the garbage collector has to visit).
        self.records: dict[int, Any] = {}
        self._rows: list[StoredEvent] = []
        self._staged: list[int] = []
        # Reference text -> the record it resolved to (an id never goes away).
        self._member_refs: dict[str, _MemberFacts] = {}
        self._work_refs: dict[str, _WorkFacts] = {}
        self._handlers: dict[str, Callable[[Line], int]] = {
            "member": self._member,
            "work": self._work,
            "comment": self._comment,
            "vote": self._vote,
        }

    @staticmethod
    def applies_to(ledger: Ledger) -> bool:
        """True when the ledger is empty and saving means only writing the stored events."""
        mapper = ledger.mapper
        cls = type(ledger)
        return (
            type(mapper.transcoder) is JSONTranscoder
            and mapper.cipher is None
            and mapper.compressor is None
            and not ledger.snapshotting_intervals
            and ledger.repository.cache is None
            # Nothing listens to saves (the hooks Application.save calls).
            and cls._notify is Application._notify
            and cls.notify is Application.notify
            and stored_states.agrees_with(mapper.transcoder)
            and all(getattr(event, "class_version", 1) == 1 for event in _WRITTEN)
            and ledger.head == 0
        )

    # ------------------------------------------------------------------ batches

    def stage(self, line: Line) -> int:
        """Check one line and stage its events; return how many (0: already recorded).

        Raises the command path's ``LedgerError`` for a line that breaks a rule,
        and ``HandOver`` (having staged nothing for it) for one it does not record.
        """
        handler = self._handlers.get(line.type)
        if handler is None:
            raise HandOver(line.type)
        return handler(line)

    def commit(self) -> int:
        """Record the staged events in one transaction; return how many."""
        rows = self._rows
        if rows:
            try:
                self._ledger.insert_stored_events(rows)
            except BaseException:
                self.discard()  # nothing of the batch was saved
                raise
        self._rows, self._staged = [], []
        return len(rows)

    def saved(self) -> set[UUID]:
        """The ids of the records this path has saved (call after ``commit`` or ``discard``)."""
        return {UUID(int=record_id) for record_id in self.records}

    def discard(self) -> None:
        """Forget the staged events and the records they made."""
        for record_id in self._staged:
            self.records.pop(record_id, None)
        self._rows, self._staged = [], []
        self._member_refs.clear()
        self._work_refs.clear()

    def _stage(self, record_id: UUID, topic: str, state: bytes, facts: object) -> None:
        self._rows.append(StoredEvent(record_id, 1, topic, state))
        number = record_id.int
        self._staged.append(number)
        self.records[number] = facts

    # --------------------------------------------------------------- references

    def _is_member(self, candidate: UUID) -> bool:
        return type(self.records.get(candidate.int)) is _MemberFacts

    def _is_work(self, candidate: UUID) -> bool:
        return type(self.records.get(candidate.int)) is _WorkFacts

    def _member_ref(self, reference: str) -> _MemberFacts:
        facts: _MemberFacts | None = self._member_refs.get(reference)
        if facts is None:
            member_id = resolve(
                reference,
                member_id_for,
                self._is_member,
                self.derived,
                UnknownMemberError,
                "member",
            )
            facts = self.records[member_id.int]
            if len(reference) < 32:  # it cannot name another record by its id later
                self._member_refs[reference] = facts
        return facts

    def _work_ref(self, reference: str) -> _WorkFacts:
        facts: _WorkFacts | None = self._work_refs.get(reference)
        if facts is None:
            work_id = resolve(
                reference, work_id_for, self._is_work, self.derived, UnknownWorkError, "work"
            )
            facts = self.records[work_id.int]
            if len(reference) < 32:
                self._work_refs[reference] = facts
        return facts

    def _by(self, fields: Mapping[str, Any]) -> _MemberFacts | None:
        reference = fields.get("by")
        return None if reference is None else self._member_ref(reference)

    def _new(self, derive: Callable[[str], UUID], external_id: str) -> UUID | None:
        """The id of the record a line creates; None when it exists (the line is skipped).

        Members' and works' ids are kept for the references to them (``derived``).
        """
        if derive is comment_id_for:  # never named by the lines this path records
            derived = derive(external_id)
        else:
            known = self.derived.get(derive)
            if known is None:
                known = self.derived[derive] = {}
            derived = known.get(external_id)
            if derived is None:
                derived = known[external_id] = derive(external_id)
        return None if derived.int in self.records else derived

    # ----------------------------------------------- one method per line type
    # Each follows its LineApplier method and Ledger command step by step.

    def _member(self, line: Line) -> int:
        fields = line.fields
        external_id: str = fields["id"]
        member_id = self._new(member_id_for, external_id)
        if member_id is None:
            return 0
        actor = self._by(fields)
        occurred_at = occurred(fields.get("joined_at"))
        canonical = check_registration(fields["handle"], external_id)
        claim_id = handle_claim_id_for(canonical)
        # (Every member this path knows claimed its external id's name: no need to
        # look for an external id recorded without one, as the command does.)
        if claim_id.int in self.records:
            raise handle_taken_error(canonical)
        external_name = external_name_to_reserve(canonical, external_id)
        name_id = None
        if external_name is not None:
            held_by = self.records.get(handle_claim_id_for(external_name).int)
            if held_by is _CLAIM:
                raise external_id_taken_error(external_id)
            if held_by is None:  # else an external id differing only in case holds it
                name_id = handle_claim_id_for(external_name)
        name = fields.get("name")
        if name is None:
            name = canonical
        Member.check_name(name)
        facts = _MemberFacts(member_id, stored_states.uuid_json(member_id))
        actor_json = NULL if actor is None else actor.json
        state = stored_states.registered(
            self._now(), canonical, name, external_id, actor_json, occurred_at
        )
        self._stage(member_id, _REGISTERED, state, facts)
        state = stored_states.claimed(self._now(), canonical, facts.json)
        self._stage(claim_id, _CLAIMED, state, _CLAIM)
        if name_id is None or external_name is None:
            return 2
        state = stored_states.claimed(self._now(), external_name, facts.json)
        self._stage(name_id, _CLAIMED, state, _EXTERNAL_NAME)
        return 3

    def _work(self, line: Line) -> int:
        fields = line.fields
        external_id: str = fields["id"]
        work_id = self._new(work_id_for, external_id)
        if work_id is None:
            return 0
        cited = [(source, self._work_ref(source.id)) for source in fields.get("sources") or ()]
        sources = [citation(source, facts.id) for source, facts in cited]
        authors = [self._member_ref(author) for author in fields["authors"]]
        author_ids = [author.id for author in authors]
        actor = self._by(fields)
        actor_id = None if actor is None else actor.id
        occurred_at = occurred(fields.get("created_at"))
        kind = check_remix(work_id, external_id, fields["kind"], author_ids, sources)
        check_contributor(actor_id, author_ids)
        # A source is never retracted here: retractions are handed over, and
        # every work this path knows it recorded itself.
        out_of_order = False
        for _, source_facts in cited:
            if check_built_after(
                occurred_at,
                source_facts.title,
                source_facts.created_at,
                as_recorded=self._as_recorded,
            ):
                out_of_order = True
        self._check_own_split(sources)
        # Work.create checks the authors and sources again, as check_remix did:
        # they pass again.
        title = fields["title"]
        body, uri, license = fields.get("body"), fields.get("uri"), fields.get("license")
        Work.check_contents(title, body, uri, license)
        state = stored_states.contributed(
            self._now(),
            [author.json for author in authors],
            title,
            kind.value,
            body,
            uri,
            license,
            external_id,
            NULL if actor is None else actor.json,
            occurred_at,
            sources,
        )
        facts = _WorkFacts(
            work_id,
            stored_states.uuid_json(work_id),
            title,
            tuple(author_ids),
            occurred_at,
        )
        self._stage(work_id, _REMIXED if sources else _CONTRIBUTED, state, facts)
        if out_of_order:
            self.out_of_order += 1
        return 1

    @staticmethod
    def _check_own_split(sources: list[Citation]) -> None:
        """Hand over a work whose citations claim over 100%: the commands say why.

        The commands refuse it with an error that names every claiming source,
        read from the records: handing over gives the same error. Sums of declared
        percentages are exact in decimal (a 60-digit context that traps any
        rounding: then the commands, in fractions, decide); ``Fraction`` arithmetic
        cost a tenth of the import's time here. Stacked claims bind only where a
        production pays under ``absolute``, which this path never records.
        """
        add = _EXACT.add
        own: Decimal | int = 0
        try:
            for c in sources:
                if c.royalty_percent:
                    own = add(own, c.royalty_percent)
        except (Inexact, Rounded):
            raise HandOver("royalties beyond 60 digits") from None
        if own > 100:
            raise HandOver("royalties over 100%")

    def _comment(self, line: Line) -> int:
        fields = line.fields
        external_id: str = fields["id"]
        comment_id = self._new(comment_id_for, external_id)
        if comment_id is None:
            return 0
        work = self._work_ref(fields["work"])
        author = self._member_ref(fields["author"])
        occurred_at = occurred(fields.get("created_at"))
        check_external_id(external_id)
        text = fields["text"]
        Comment.check_text(text)
        state = stored_states.commented(
            self._now(), work.json, author.json, text, external_id, occurred_at
        )
        self._stage(comment_id, _COMMENTED, state, _COMMENT)
        return 1

    def _vote(self, line: Line) -> int:
        fields = line.fields
        member = self._member_ref(fields["member"])
        work = self._work_ref(fields["work"])
        # Each pair is voted on once, as a rule: the id cache would only miss.
        vote_id = _vote_id_for(member.id, work.id)
        existing = self.records.get(vote_id.int)
        key = content_key(line)
        value: int = fields["value"]
        if type(existing) is tuple:
            if existing[1] == key or existing[0] == value:
                return 0
            raise HandOver("a vote that changes a vote")
        occurred_at = occurred(fields.get("created_at"))
        check_vote_value(value)
        Vote.check_voter(member.id, work.authors, work.title)
        state = stored_states.voted(self._now(), member.json, work.json, value, occurred_at, key)
        facts: _VoteFacts = (value, key)
        self._stage(vote_id, _VOTED, state, facts)
        return 1


# Exact decimal sums of percentages, or a trap (``_royalties``).
_EXACT = Context(prec=60, traps=[Inexact, Rounded])

_vote_id_for: Callable[[UUID, UUID], UUID] = vote_id_for.__wrapped__
