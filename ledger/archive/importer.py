"""Stream an archive into the ledger, many events per transaction, idempotently.

Records with an external id are skipped when already present; acts without one
(votes, retractions, revenue without an id...) carry an idempotency key derived
from the line's content, so importing the same file twice records nothing new and
an interrupted import, re-run, completes without duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import islice
from uuid import UUID

from eventsourcing.persistence import PersistenceError

from ledger.application.ledger import Ledger
from ledger.application.unit_of_work import AggregateCache, UnitOfWork
from ledger.archive.fast_path import FastPath, HandOver
from ledger.archive.references import Derived, citation, content_key, resolve, when
from ledger.archive.schema import FORMAT_NAME, FORMAT_VERSION, Line, LineError, parse_line
from ledger.domain.comment import Comment
from ledger.domain.errors import (
    ArchiveError,
    InvalidValueError,
    LedgerError,
    UnknownCommentError,
    UnknownMemberError,
    UnknownProductionError,
    UnknownWorkError,
)
from ledger.domain.identity import (
    comment_id_for,
    member_id_for,
    production_id_for,
    vote_id_for,
    work_id_for,
)
from ledger.domain.member import Member
from ledger.domain.numbers import parse_bounded_decimal
from ledger.domain.production import DEFAULT_POOL_PERCENT, Production
from ledger.domain.rules import check_built_after
from ledger.domain.values import Citation, Money, Role, parse_enum
from ledger.domain.vote import Vote
from ledger.domain.work import Work

__all__ = ["ImportReport", "import_archive"]

DEFAULT_BATCH_LINES = 2_000
#: How many of the acts recorded out of order a report names (it counts them all).
OUT_OF_ORDER_NAMED = 5


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
    # Lines the fast path imported; the same import through the commands is equal.
    fast_lines: int = field(default=0, compare=False)
    # Acts recorded with the archive's date although it is before one of their
    # sources' (``ledger.rules.check_built_after``); the first few as FILE:LINE.
    out_of_order: int = 0
    out_of_order_lines: list[str] = field(default_factory=list)

    def note_out_of_order(self, number: int) -> None:
        self.out_of_order += 1
        if len(self.out_of_order_lines) < OUT_OF_ORDER_NAMED:
            self.out_of_order_lines.append(f"{self.source}:{number}")


ProgressCallback = Callable[[int, int], None]


def import_archive(
    ledger: Ledger,
    lines: Iterable[str],
    *,
    source: str = "<archive>",
    batch_lines: int = DEFAULT_BATCH_LINES,
    dry_run: bool = False,
    on_progress: ProgressCallback | None = None,
    fast_path: bool = True,
    strict: bool = False,
) -> ImportReport:
    """Import archive ``lines`` into ``ledger``; return what was done.

    A real import stops at the first bad line with ``ArchiveError("FILE:LINE:
    reason")`` and keeps only the whole batches before it. A dry run checks every
    line against the ledger as it would be, records nothing, and lists every bad
    line in ``report.errors``.

    An archive is a record of the past: a remix or a citation dated before one of
    its sources is recorded with the archive's date, and counted in
    ``report.out_of_order``; ``strict`` refuses it as the live commands do.

    Into an empty ledger, batches go through ``FastPath`` until a line needs the
    commands (see ``ledger.archive.fast_path``); ``fast_path=False`` runs every
    line through the commands. Both record the same events.
    """
    report = ImportReport(source)
    iterator = iter(enumerate(lines, start=1))
    derived: Derived = {}
    if dry_run:
        with ledger.batch(dry_run=True) as uow:
            _import_lines(
                ledger,
                uow,
                iterator,
                report,
                None,
                on_progress,
                derived,
                keep_going=True,
                strict=strict,
            )
        return report
    head = ledger.head
    cache = AggregateCache(ledger_was_empty=head == 0)
    fast = (
        FastPath(ledger, derived, strict=strict)
        if fast_path and FastPath.applies_to(ledger)
        else None
    )
    while True:
        start_position = report.lines
        if cache.ledger_was_empty and ledger.head != head:
            # Someone else wrote since the last batch: the import no longer knows
            # every record that exists, so absent ids are asked of the store again.
            cache.ledger_was_empty = False
        if fast is not None and not cache.ledger_was_empty:
            fast = None  # it needs to know every record, too
        batch: Iterable[tuple[int, str]] = iterator
        progress = on_progress
        try:
            events: int | None = None
            if fast is not None:
                taken = list(islice(iterator, batch_lines))
                events = _import_fast(fast, taken, report, on_progress)
                if events is None:
                    # Handed over: the commands redo the whole batch, from what
                    # the fast path saved, and take every batch after it.
                    cache.saved.update(fast.saved())
                    fast = None
                    progress = _once(on_progress, report.lines - 1)
                    batch, report.lines = taken, start_position
            if events is None:
                with ledger.batch(cache) as uow:
                    _import_lines(
                        ledger,
                        uow,
                        batch,
                        report,
                        batch_lines,
                        progress,
                        derived,
                        keep_going=False,
                        strict=strict,
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


def _import_fast(
    fast: FastPath,
    numbered_lines: list[tuple[int, str]],
    report: ImportReport,
    on_progress: ProgressCallback | None,
) -> int | None:
    """Import one batch through the fast path; None (and nothing kept) when it hands over.

    Counts, errors and progress are as ``_import_lines`` gives them.
    """
    applied = skipped = 0
    counts: dict[str, int] = {}
    out_of_order: list[int] = []
    try:
        for number, text in numbered_lines:
            report.lines = number
            if text.strip():
                try:
                    line = parse_line(text)
                    if line.type == "archive":
                        _check_header(line, number)
                    else:
                        before = fast.out_of_order
                        if fast.stage(line):
                            applied += 1
                        else:
                            skipped += 1
                        if fast.out_of_order != before:
                            out_of_order.append(number)
                except (LineError, LedgerError) as error:
                    raise ArchiveError(f"{report.source}:{number}: {error}") from None
                if line.type != "archive":
                    counts[line.type] = counts.get(line.type, 0) + 1
            if on_progress is not None:
                on_progress(number, len(text.encode()))
    except HandOver:
        fast.discard()
        return None
    except BaseException:
        fast.discard()
        raise
    report.applied += applied
    report.skipped += skipped
    for kind, count in counts.items():
        report.counts[kind] = report.counts.get(kind, 0) + count
    for number in out_of_order:
        report.note_out_of_order(number)
    events = fast.commit()
    report.fast_lines += len(numbered_lines)
    return events


def _once(on_progress: ProgressCallback | None, reported: int) -> ProgressCallback | None:
    """``on_progress`` for the lines after ``reported`` (a batch handed over is redone)."""
    if on_progress is None:
        return None
    callback = on_progress

    def after(number: int, bytes_read: int) -> None:
        if number > reported:
            callback(number, bytes_read)

    return after


def _import_lines(
    ledger: Ledger,
    uow: UnitOfWork,
    numbered_lines: Iterable[tuple[int, str]],
    report: ImportReport,
    limit: int | None,
    on_progress: ProgressCallback | None,
    derived: Derived,
    *,
    keep_going: bool,
    strict: bool,
) -> None:
    applier = _Applier(ledger, uow, derived, strict=strict)
    bytes_read = 0
    for taken, (number, text) in enumerate(numbered_lines, start=1):
        report.lines = number
        bytes_read = len(text.encode())
        if text.strip():
            before = len(uow.events)
            out_of_order = applier.out_of_order
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
                    if applier.out_of_order != out_of_order:
                        report.note_out_of_order(number)
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


class _Applier:
    """Turns parsed lines into ledger commands, resolving external ids to aggregate ids."""

    def __init__(self, ledger: Ledger, uow: UnitOfWork, derived: Derived, *, strict: bool) -> None:
        self.ledger = ledger
        self.uow = uow
        self.derived = derived
        self.as_recorded = not strict
        # Lines recorded with a date before one of their sources' (as_recorded).
        self.out_of_order = 0

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
        def is_one(candidate: UUID) -> bool:
            return self.uow.find(cls, candidate) is not None

        return resolve(reference, derive, is_one, self.derived, error, what)

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
            occurred_at=when(line["joined_at"]),
        )

    def _member_renamed(self, line: Line) -> None:
        member_id = self.member(line["member"])
        self.ledger.rename_member(
            member_id,
            name=line["name"],
            actor_id=self.by(line),
            occurred_at=line["renamed_at"],
            idempotency_key=content_key(line),
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
            idempotency_key=content_key(line),
        )

    def _dated_before(self, occurred_at: datetime, sources: Iterable[Citation]) -> bool:
        """Whether an act that is recorded as dated is dated before one of ``sources``.

        Strict, the command refuses it, in its own order of checks.
        """
        if not self.as_recorded:
            return False
        dated_before = False
        for cited in sources:
            source = self.uow.find(Work, cited.work_id)
            if source is not None and check_built_after(
                occurred_at, source.title, source.contributed_at, as_recorded=True
            ):
                dated_before = True
        return dated_before

    def _work(self, line: Line) -> None:
        if self._present(work_id_for(line["id"])):
            return
        sources = [citation(source, self.work(source.id)) for source in line["sources"] or ()]
        occurred_at = when(line["created_at"])
        out_of_order = self._dated_before(occurred_at, sources)
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
            occurred_at=occurred_at,
            as_recorded=self.as_recorded,
        )
        if out_of_order:
            self.out_of_order += 1

    def _citation(self, line: Line) -> None:
        work_id = self.work(line["work"])
        source = line["source"]
        cited = citation(source, self.work(source.id))
        work = self.uow.find(Work, work_id)
        if work is not None and cited.work_id in work.source_ids:
            return
        out_of_order = work is not None and self._dated_before(line["cited_at"], [cited])
        self.ledger.cite_source(
            work_id,
            cited,
            actor_id=self.by(line),
            occurred_at=line["cited_at"],
            as_recorded=self.as_recorded,
        )
        if out_of_order:
            self.out_of_order += 1

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
            occurred_at=when(line["created_at"]),
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
        key = content_key(line)
        if existing is not None and (existing.has_applied(key) or existing.value == line["value"]):
            return
        self.ledger.vote(
            member_id=member_id,
            work_id=work_id,
            value=line["value"],
            occurred_at=when(line["created_at"]),
            idempotency_key=key,
        )

    def _vote_withdrawal(self, line: Line) -> None:
        member_id, work_id = self.member(line["member"]), self.work(line["work"])
        existing = self.ledger_vote(member_id, work_id)
        key = content_key(line)
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
        created_at = when(line["created_at"] or line["published_at"])
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
        key = content_key(line)
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
        key = content_key(line)
        production = self.uow.find(Production, production_id)
        if production is not None and production.has_applied(key):
            return
        try:
            pool = parse_bounded_decimal(
                line["pool_percent"] or str(DEFAULT_POOL_PERCENT), "'pool_percent'"
            )
        except InvalidValueError as error:
            raise LineError(str(error)) from None
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
        key = f"revenue:{external_id}" if external_id else content_key(line)
        production = self.uow.find(Production, production_id)
        if production is not None and production.has_applied(key):
            return
        self.ledger.record_revenue(
            production_id,
            amount,
            external_id=external_id,
            actor_id=self.by(line),
            occurred_at=when(line["received_at"]),
            idempotency_key=None if external_id else key,
        )


def _weight(value: str) -> Decimal:
    try:
        return parse_bounded_decimal(value, "weight")
    except InvalidValueError as error:
        raise LineError(str(error)) from None
