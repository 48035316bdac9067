"""Stream an archive into the ledger, many events per transaction, idempotently.

Records with an external id are skipped when already present; acts without one
(votes, retractions, revenue without an id...) carry an idempotency key derived
from the line's content, so importing the same file twice records nothing new and
an interrupted import, re-run, completes without duplicates.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from uuid import UUID

from eventsourcing.persistence import PersistenceError

from ledger.application import Ledger
from ledger.archive.schema import FORMAT_NAME, FORMAT_VERSION, Line, LineError, parse_line
from ledger.comment import Comment
from ledger.errors import (
    ArchiveError,
    LedgerError,
    UnknownCommentError,
    UnknownMemberError,
    UnknownProductionError,
    UnknownWorkError,
)
from ledger.identity import (
    comment_id_for,
    member_id_for,
    production_id_for,
    vote_id_for,
    work_id_for,
)
from ledger.member import Member
from ledger.production import DEFAULT_POOL_PERCENT, Production
from ledger.unit_of_work import AggregateCache, UnitOfWork
from ledger.values import Citation, Money, Relation, Role, parse_enum, utc_now
from ledger.vote import Vote
from ledger.work import Work

__all__ = ["ImportReport", "import_archive"]

DEFAULT_BATCH_LINES = 2_000


@dataclass
class ImportReport:
    """What an import did: lines read, lines that recorded something, lines already present."""

    source: str
    lines: int = 0
    applied: int = 0
    skipped: int = 0
    events: int = 0
    batches: int = 0
    last_position: int | None = None
    errors: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


ProgressCallback = Callable[[int, int], None]
# For each way of deriving an id (member_id_for...): external id -> aggregate id.
_Derived = dict[Callable[[str], UUID], dict[str, UUID]]


def import_archive(
    ledger: Ledger,
    lines: Iterable[str],
    *,
    source: str = "<archive>",
    batch_lines: int = DEFAULT_BATCH_LINES,
    dry_run: bool = False,
    on_progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import archive ``lines`` into ``ledger``; return what was done.

    A real import stops at the first bad line with ``ArchiveError("FILE:LINE:
    reason")`` and keeps only the whole batches before it. A dry run checks every
    line against the ledger as it would be, records nothing, and lists every bad
    line in ``report.errors``.
    """
    report = ImportReport(source)
    iterator = iter(enumerate(lines, start=1))
    derived: _Derived = {}
    if dry_run:
        with ledger.batch(dry_run=True) as uow:
            _import_lines(
                ledger, uow, iterator, report, None, on_progress, derived, keep_going=True
            )
        return report
    head = ledger.head
    cache = AggregateCache(ledger_was_empty=head == 0)
    while True:
        start_position = report.lines
        if cache.ledger_was_empty and ledger.head != head:
            # Someone else wrote since the last batch: the import no longer knows
            # every record that exists, so absent ids are asked of the store again.
            cache.ledger_was_empty = False
        try:
            with ledger.batch(cache) as uow:
                _import_lines(
                    ledger,
                    uow,
                    iterator,
                    report,
                    batch_lines,
                    on_progress,
                    derived,
                    keep_going=False,
                )
                events = len(uow.events)
        except PersistenceError as error:
            first = start_position + 1
            raise ArchiveError(
                f"{source}:{first}-{report.lines}: the batch could not be saved ({error});"
                " re-run the import to complete it"
            ) from None
        except ArchiveError:
            raise  # a bad line, already named FILE:LINE
        except LedgerError as error:
            # Checked again as the batch is saved: another writer made a rule fail
            # (a citation that now closes a cycle). Nothing of the batch was saved.
            raise ArchiveError(f"{source}:{start_position + 1}-{report.lines}: {error}") from None
        if events:
            report.batches += 1
            report.events += events
            report.last_position = ledger.head
            if report.last_position != head + events:
                # Someone else wrote while this batch was staged (their events
                # came first). A duplicate they made would have failed the batch
                # on the store's uniqueness; from now on, ask the store.
                cache.ledger_was_empty = False
            head = report.last_position
        if report.lines == start_position or report.lines - start_position < batch_lines:
            return report


def _import_lines(
    ledger: Ledger,
    uow: UnitOfWork,
    numbered_lines: Iterable[tuple[int, str]],
    report: ImportReport,
    limit: int | None,
    on_progress: ProgressCallback | None,
    derived: _Derived,
    *,
    keep_going: bool,
) -> None:
    applier = _Applier(ledger, uow, derived)
    bytes_read = 0
    for taken, (number, text) in enumerate(numbered_lines, start=1):
        report.lines = number
        bytes_read = len(text.encode())
        if text.strip():
            before = len(uow.events)
            try:
                line = parse_line(text)
                if line.type == "archive":
                    _check_header(line, number)
                else:
                    applier.apply(line)
            except (LineError, LedgerError) as error:
                message = f"{report.source}:{number}: {error}"
                if not keep_going:
                    raise ArchiveError(message) from None
                report.errors.append(message)
            else:
                if line.type != "archive":
                    report.counts[line.type] = report.counts.get(line.type, 0) + 1
                    if len(uow.events) > before:
                        report.applied += 1
                    else:
                        report.skipped += 1
            if keep_going:
                # A dry run keeps the aggregates it changed, not their events.
                uow.events.clear()
        if on_progress is not None:
            on_progress(number, bytes_read)
        if limit is not None and taken >= limit:
            return


def _check_header(line: Line, number: int) -> None:
    if number != 1:
        raise LineError("the 'archive' header may only be the first line")
    if line["format"] != FORMAT_NAME:
        raise LineError(f"format {line['format']!r} is not {FORMAT_NAME!r}")
    if line["version"] < 1:
        raise LineError(f"archive version {line['version']} does not exist; versions start at 1")
    if line["version"] > FORMAT_VERSION:
        raise LineError(
            f"archive version {line['version']} is newer than this program reads"
            f" (up to {FORMAT_VERSION}); upgrade remix-ledger"
        )


def _content_key(line: Line) -> str:
    """An idempotency key for an act without an id: a digest of the line's content."""
    canonical = json.dumps(line.raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "archive:" + hashlib.sha256(canonical.encode()).hexdigest()[:32]


class _Applier:
    """Turns parsed lines into ledger commands, resolving external ids to aggregate ids."""

    def __init__(self, ledger: Ledger, uow: UnitOfWork, derived: _Derived) -> None:
        self.ledger = ledger
        self.uow = uow
        # External id -> aggregate id, per kind, for the whole import: an archive
        # names the same members and works again and again, and uuid5 costs ~3 us.
        self.derived = derived

    def apply(self, line: Line) -> None:
        getattr(self, "_" + line.type)(line)

    # -- references

    def _resolve(
        self,
        reference: str,
        derive: Callable[[str], UUID],
        cls: type,
        error: type[LedgerError],
        what: str,
    ) -> UUID:
        candidate: UUID | None = None
        if len(reference) >= 32:  # shorter text is no UUID: spare the failing parse (~2 us)
            try:
                candidate = UUID(reference)
            except ValueError:
                candidate = None
        if candidate is not None and self.uow.find(cls, candidate) is not None:
            return candidate
        known = self.derived.setdefault(derive, {})
        derived = known.get(reference)
        if derived is None:
            derived = known[reference] = derive(reference)
        if self.uow.find(cls, derived) is not None:
            return derived
        raise error(f"unknown {what} {reference!r} (a line may only refer to records above it)")

    def member(self, reference: str) -> UUID:
        return self._resolve(reference, member_id_for, Member, UnknownMemberError, "member")

    def work(self, reference: str) -> UUID:
        return self._resolve(reference, work_id_for, Work, UnknownWorkError, "work")

    def production(self, reference: str) -> UUID:
        return self._resolve(
            reference, production_id_for, Production, UnknownProductionError, "production"
        )

    def comment_ref(self, reference: str) -> UUID:
        return self._resolve(reference, comment_id_for, Comment, UnknownCommentError, "comment")

    def by(self, line: Line) -> UUID | None:
        reference = line["by"]
        return None if reference is None else self.member(reference)

    def _present(self, derived: UUID) -> bool:
        return self.uow.exists(derived)

    # -- one method per line type

    def _member(self, line: Line) -> None:
        if self._present(member_id_for(line["id"])):
            return
        self.ledger.register_member(
            handle=line["handle"],
            name=line["name"],
            external_id=line["id"],
            actor_id=self.by(line),
            occurred_at=_when(line["joined_at"]),
        )

    def _member_renamed(self, line: Line) -> None:
        member_id = self.member(line["member"])
        self.ledger.rename_member(
            member_id,
            name=line["name"],
            actor_id=self.by(line),
            occurred_at=line["renamed_at"],
            idempotency_key=_content_key(line),
        )

    def _role(self, line: Line) -> None:
        member_id = self.member(line["member"])
        role = parse_enum(Role, line["role"], "role")
        member = self.uow.find(Member, member_id)
        if member is not None and member.has_role(role):
            return
        self.ledger.grant_role(
            member_id, role.value, actor_id=self.by(line), occurred_at=line["granted_at"]
        )

    def _credit_preference(self, line: Line) -> None:
        member_id = self.member(line["member"])
        self.ledger.set_credit_preference(
            member_id,
            line["credit"],
            pseudonym=line["pseudonym"],
            actor_id=self.by(line),
            occurred_at=line["set_at"],
            idempotency_key=_content_key(line),
        )

    def _work(self, line: Line) -> None:
        if self._present(work_id_for(line["id"])):
            return
        sources = [
            Citation(
                self.work(source.id),
                parse_enum(Relation, source.relation, "relation"),
                source.royalty_percent,
            )
            for source in line["sources"] or ()
        ]
        self.ledger.remix(
            authors=[self.member(author) for author in line["authors"]],
            title=line["title"],
            kind=line["kind"],
            sources=sources,
            body=line["body"],
            uri=line["uri"],
            license=line["license"],
            external_id=line["id"],
            actor_id=self.by(line),
            occurred_at=_when(line["created_at"]),
        )

    def _citation(self, line: Line) -> None:
        work_id = self.work(line["work"])
        source = line["source"]
        citation = Citation(
            self.work(source.id),
            parse_enum(Relation, source.relation, "relation"),
            source.royalty_percent,
        )
        work = self.uow.find(Work, work_id)
        if work is not None and citation.work_id in work.source_ids:
            return
        self.ledger.cite_source(
            work_id, citation, actor_id=self.by(line), occurred_at=line["cited_at"]
        )

    def _work_retraction(self, line: Line) -> None:
        work_id = self.work(line["work"])
        work = self.uow.find(Work, work_id)
        if work is not None and work.retracted:
            return
        self.ledger.retract_work(
            work_id, reason=line["reason"], actor_id=self.by(line), occurred_at=line["retracted_at"]
        )

    def _comment(self, line: Line) -> None:
        if self._present(comment_id_for(line["id"])):
            return
        self.ledger.comment(
            work_id=self.work(line["work"]),
            author_id=self.member(line["author"]),
            text=line["text"],
            external_id=line["id"],
            occurred_at=_when(line["created_at"]),
        )

    def _comment_retraction(self, line: Line) -> None:
        comment_id = self.comment_ref(line["comment"])
        comment = self.uow.find(Comment, comment_id)
        if comment is not None and comment.retracted:
            return
        self.ledger.retract_comment(
            comment_id, actor_id=self.by(line), occurred_at=line["retracted_at"]
        )

    def _vote(self, line: Line) -> None:
        member_id, work_id = self.member(line["member"]), self.work(line["work"])
        existing = self.ledger_vote(member_id, work_id)
        key = _content_key(line)
        if existing is not None and (existing.has_applied(key) or existing.value == line["value"]):
            return
        self.ledger.vote(
            member_id=member_id,
            work_id=work_id,
            value=line["value"],
            occurred_at=_when(line["created_at"]),
            idempotency_key=key,
        )

    def _vote_withdrawal(self, line: Line) -> None:
        member_id, work_id = self.member(line["member"]), self.work(line["work"])
        existing = self.ledger_vote(member_id, work_id)
        key = _content_key(line)
        if existing is None or existing.is_withdrawn or existing.has_applied(key):
            return
        self.ledger.withdraw_vote(
            member_id=member_id,
            work_id=work_id,
            occurred_at=line["withdrawn_at"],
            idempotency_key=key,
        )

    def ledger_vote(self, member_id: UUID, work_id: UUID) -> Vote | None:
        return self.uow.find(Vote, vote_id_for(member_id, work_id))

    def _production(self, line: Line) -> None:
        production_id = production_id_for(line["id"])
        if self._present(production_id):
            return
        curator_id = self.member(line["curator"])
        work_ids = [self.work(work) for work in line["works"] or ()]
        # Without a created_at, the production is taken to be created when published.
        created_at = _when(line["created_at"] or line["published_at"])
        actor_id = self.by(line)
        curator = self.uow.find(Member, curator_id)
        if curator is not None and not curator.has_role(Role.CURATOR):
            # The archive names the curator; the import grants the role it implies.
            self.ledger.grant_role(curator_id, Role.CURATOR.value, occurred_at=created_at)
        self.ledger.create_production(
            title=line["title"],
            curator_id=curator_id,
            external_id=line["id"],
            actor_id=actor_id,
            occurred_at=created_at,
        )
        for work_id in work_ids:
            self.ledger.include_work(
                production_id, work_id, actor_id=actor_id, occurred_at=created_at
            )
        if line["published_at"] is not None:
            self.ledger.publish(production_id, actor_id=actor_id, occurred_at=line["published_at"])

    def _inclusion(self, line: Line) -> None:
        self._membership(line, "included_at", include=True)

    def _exclusion(self, line: Line) -> None:
        self._membership(line, "excluded_at", include=False)

    def _membership(self, line: Line, time_field: str, *, include: bool) -> None:
        production_id = self.production(line["production"])
        work_id = self.work(line["work"])
        key = _content_key(line)
        production = self.uow.find(Production, production_id)
        if production is not None and production.has_applied(key):
            return
        command = self.ledger.include_work if include else self.ledger.exclude_work
        command(
            production_id,
            work_id,
            actor_id=self.by(line),
            occurred_at=line[time_field],
            idempotency_key=key,
        )

    def _publication(self, line: Line) -> None:
        production_id = self.production(line["production"])
        production = self.uow.find(Production, production_id)
        if production is not None and production.is_published:
            return
        self.ledger.publish(production_id, actor_id=self.by(line), occurred_at=line["published_at"])

    def _policy(self, line: Line) -> None:
        production_id = self.production(line["production"])
        key = _content_key(line)
        production = self.uow.find(Production, production_id)
        if production is not None and production.has_applied(key):
            return
        try:
            pool = Decimal(line["pool_percent"] or DEFAULT_POOL_PERCENT)
        except InvalidOperation:
            raise LineError(f"'pool_percent' {line['pool_percent']!r} is not a number") from None
        weights = line["weights"]
        self.ledger.choose_policy(
            production_id,
            line["policy"],
            params=line["params"] or {},
            pool_percent=pool,
            weights=None
            if weights is None
            else {self.work(w): _weight(v) for w, v in weights.items()},
            actor_id=self.by(line),
            occurred_at=line["chosen_at"],
            idempotency_key=key,
        )

    def _waiver(self, line: Line) -> None:
        production_id = self.production(line["production"])
        member_id = self.member(line["member"])
        production = self.uow.find(Production, production_id)
        if production is not None and member_id in production.waived:
            return
        self.ledger.waive_share(
            production_id, member_id, actor_id=self.by(line), occurred_at=line["waived_at"]
        )

    def _statement(self, line: Line) -> None:
        production_id = self.production(line["production"])
        production = self.uow.find(Production, production_id)
        if production is not None and line["revenue"] in production.statements:
            return
        self.ledger.issue_statement(
            production_id,
            line["revenue"],
            line["statement"],
            actor_id=self.by(line),
            occurred_at=line["issued_at"],
        )

    def _revenue(self, line: Line) -> None:
        production_id = self.production(line["production"])
        amount = Money.parse(line["amount"], line["currency"])
        external_id = line["id"]
        key = f"revenue:{external_id}" if external_id else _content_key(line)
        production = self.uow.find(Production, production_id)
        if production is not None and production.has_applied(key):
            return
        self.ledger.record_revenue(
            production_id,
            amount,
            external_id=external_id,
            actor_id=self.by(line),
            occurred_at=_when(line["received_at"]),
            idempotency_key=None if external_id else key,
        )


def _when(moment: datetime | None) -> datetime:
    return moment if moment is not None else utc_now()


def _weight(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise LineError(f"weight {value!r} is not a number") from None
