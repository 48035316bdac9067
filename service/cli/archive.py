"""Commands that move whole ledgers: import and export; the census text they share with the demo."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import typer

from ledger.application.census import Census
from ledger.archive import ImportReport, export_archive, import_archive
from ledger.domain.errors import ArchiveError, ReadOnlyLedgerError
from service.cli.acts import emit_json_line
from service.cli.context import Format, state_of
from service.cli.progress import progress_bar

__all__ = [
    "census_text",
    "out_of_order_text",
    "plural",
    "register",
    "report_dict",
    "run_import",
    "summary",
]

# ``-o -`` means standard output, as it does for most command-line tools.
STDOUT = Path("-")


def _open_text(path: Path) -> IO[str]:
    try:
        return path.open(encoding="utf-8", newline="\n")
    except OSError as error:
        raise ArchiveError(f"{path}: cannot read: {error.strerror}") from None


def run_import(
    state_ledger: object, path: Path, *, dry_run: bool, batch_lines: int, strict: bool = False
) -> ImportReport:
    from ledger import Ledger

    assert isinstance(state_ledger, Ledger)
    size = path.stat().st_size if path.is_file() else None
    with _open_text(path) as stream, progress_bar(in_bytes=True) as progress:
        task = progress.add_task("checking" if dry_run else "importing", total=size)
        try:
            return import_archive(
                state_ledger,
                stream,
                source=str(path),
                batch_lines=batch_lines,
                dry_run=dry_run,
                strict=strict,
                on_progress=lambda _line, nbytes: progress.advance(task, nbytes),
            )
        except UnicodeDecodeError as error:
            raise ArchiveError(f"{path}: not UTF-8 text ({error.reason})") from None


def summary(report: ImportReport, *, dry_run: bool) -> str:
    verb = "would record" if dry_run else "recorded"
    text = (
        f"{report.source}: {report.lines} lines; {verb} {report.applied},"
        f" {report.skipped} already present"
    )
    if not dry_run:
        text += f"; {report.events} events in {report.batches} batches"
        if report.last_position is not None:
            text += f", up to position {report.last_position}"
    if report.out_of_order:
        text += "\n" + out_of_order_text(report, dry_run=dry_run)
    return text


def report_dict(report: ImportReport, *, dry_run: bool) -> dict[str, Any]:
    """The import's report as JSON: what ``summary`` says, and every bad line."""
    return {
        "recorded": "import",
        "source": report.source,
        "dry_run": dry_run,
        "lines": report.lines,
        "applied": report.applied,
        "skipped": report.skipped,
        "events": report.events,
        "batches": report.batches,
        "position": report.last_position,
        "out_of_order": report.out_of_order,
        "out_of_order_lines": report.out_of_order_lines,
        "errors": report.errors,
    }


def out_of_order_text(report: ImportReport, *, dry_run: bool) -> str:
    """The acts dated before one of their sources, which the import kept as dated."""
    count = report.out_of_order
    named = ", ".join(report.out_of_order_lines)
    more = count - len(report.out_of_order_lines)
    if more:
        named += f" and {more} more"
    verb = "would be recorded" if dry_run else "recorded"
    return (
        f"{plural(count, 'act')} {verb} out of order, dated before a source"
        f" as the archive dates them (--strict refuses them): {named}"
    )


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_command(
        ctx: typer.Context,
        file: Path = typer.Argument(..., help="A JSON Lines archive (docs/archive-format.md)."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Check every line, record nothing."),
        batch_lines: int = typer.Option(
            2000, "--batch-lines", min=1, help="Lines per transaction."
        ),
        strict: bool = typer.Option(
            False,
            "--strict",
            help="Refuse a remix or citation dated before one of its sources.",
        ),
        output_format: Format = typer.Option(Format.text, "--format", help="text or json."),
    ) -> None:
        """Import an archive; re-importing records nothing new."""
        state = state_of(ctx)
        ledger = state.recording()
        if state.refusal is not None and not dry_run:
            # Said once, here, rather than as the error of every line of the archive.
            raise ReadOnlyLedgerError(state.refusal)
        try:
            report = run_import(
                ledger, file, dry_run=dry_run, batch_lines=batch_lines, strict=strict
            )
        except BaseException:
            state.discard_if_empty()
            raise
        if dry_run or report.errors:
            state.discard_if_empty()
        if output_format is Format.json:
            emit_json_line(report_dict(report, dry_run=dry_run))
        else:
            for error in report.errors:
                print(error, file=sys.stderr)
            typer.echo(summary(report, dry_run=dry_run))
        if report.errors:
            raise ArchiveError(f"{len(report.errors)} bad line(s) in {file}; nothing was recorded")

    @app.command("export")
    def export_command(
        ctx: typer.Context,
        output: Path | None = typer.Option(
            None, "-o", "--output", help="File to write (default, or -: standard output)."
        ),
    ) -> None:
        """Export the whole ledger as an archive (the same format import reads)."""
        ledger = state_of(ctx).ledger
        if output == STDOUT:
            output = None
        with ExitStack() as stack, progress_bar() as progress:
            if output is None:
                out = sys.stdout
            else:
                try:
                    out = stack.enter_context(output.open("w", encoding="utf-8", newline="\n"))
                except OSError as error:
                    raise ArchiveError(f"{output}: cannot write: {error.strerror}") from None
            task = progress.add_task("exporting", total=ledger.head)
            lines = export_archive(
                ledger, out, on_progress=lambda pos: progress.update(task, completed=pos)
            )
        if output is not None:
            typer.echo(f"wrote {lines} lines to {output}")


def plural(count: int, noun: str) -> str:
    """``1 curator``, ``2 curators``: the nouns counted here all take an -s."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def census_text(census: Census) -> str:
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(census.works_by_kind.items()))
    return "\n".join(
        [
            f"  members      {census.members} ({plural(census.curators, 'curator')})",
            f"  works        {census.works}: {kinds}",
            f"  remixes      {census.remixes}; deepest chain"
            f" {plural(census.deepest_chain, 'generation')}; {plural(census.diamonds, 'diamond')}",
            f"  retracted    {census.retracted_works}",
            f"  comments     {census.comments}",
            f"  votes        {census.votes}",
            f"  productions  {census.productions} ({census.published} published)",
            f"  revenue      {census.revenue_text()}",
            f"  events       {census.events}, head position {census.position}",
        ]
    )
