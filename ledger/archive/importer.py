"""Stream an archive into the ledger, many events per transaction, idempotently.

Records with an external id are skipped when already present; acts without one
(votes, retractions, revenue without an id...) carry an idempotency key derived
from the line's content, so importing the same file twice records nothing new and
an interrupted import, re-run, completes without duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice

from eventsourcing.persistence import PersistenceError

from ledger.application.ledger import Ledger
from ledger.application.unit_of_work import AggregateCache, UnitOfWork
from ledger.archive.applier import LineApplier
from ledger.archive.fast_path import FastPath, HandOver
from ledger.archive.references import Derived
from ledger.archive.schema import FORMAT_NAME, FORMAT_VERSION, Line, LineError, parse_line
from ledger.domain.errors import (
    ArchiveError,
    LedgerError,
)

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
    applier = LineApplier(ledger, uow, derived, strict=strict)
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
