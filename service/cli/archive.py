"""Commands that move whole ledgers: import, export, and the demo."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO, Any

import typer

from ledger.archive import ImportReport, export_archive, import_archive
from ledger.census import Census, take_census
from ledger.errors import ArchiveError
from ledger.settings import resolve_db_setting
from lineage.credits import Credits, credits_for
from lineage.family_tree import family_tree
from lineage.render import GraphvizMissingError, write_tree
from lineage.royalties import policy_of, statement_for_revenue
from lineage.statements import Statement
from projections.opening import views_path
from service.cli.context import CliState, Format, emit_json, state_of
from service.cli.lineage_commands import statement_text
from service.cli.progress import progress_bar
from service.cli.views import rankings_text

__all__ = ["register"]

SAMPLE = "tiny-stories.jsonl"


def _open_text(path: Path) -> IO[str]:
    try:
        return path.open(encoding="utf-8", newline="\n")
    except OSError as error:
        raise ArchiveError(f"{path}: cannot read: {error.strerror}") from None


def run_import(
    state_ledger: object, path: Path, *, dry_run: bool, batch_lines: int
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
                on_progress=lambda _line, nbytes: progress.advance(task, nbytes),
            )
        except UnicodeDecodeError as error:
            raise ArchiveError(f"{path}: not UTF-8 text ({error.reason})") from None


def _summary(report: ImportReport, *, dry_run: bool) -> str:
    verb = "would record" if dry_run else "recorded"
    text = (
        f"{report.source}: {report.lines} lines; {verb} {report.applied},"
        f" {report.skipped} already present"
    )
    if not dry_run:
        text += f"; {report.events} events in {report.batches} batches"
        if report.last_position is not None:
            text += f", up to position {report.last_position}"
    return text


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_command(
        ctx: typer.Context,
        file: Path = typer.Argument(..., help="A JSON Lines archive (docs/archive-format.md)."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Check every line, record nothing."),
        batch_lines: int = typer.Option(
            2000, "--batch-lines", min=1, help="Lines per transaction."
        ),
    ) -> None:
        """Import an archive; re-importing records nothing new."""
        ledger = state_of(ctx).ledger
        report = run_import(ledger, file, dry_run=dry_run, batch_lines=batch_lines)
        for error in report.errors:
            print(error, file=sys.stderr)
        typer.echo(_summary(report, dry_run=dry_run))
        if report.errors:
            raise ArchiveError(f"{len(report.errors)} bad line(s) in {file}; nothing was recorded")

    @app.command("export")
    def export_command(
        ctx: typer.Context,
        output: Path | None = typer.Option(
            None, "-o", "--output", help="File to write (default stdout)."
        ),
    ) -> None:
        """Export the whole ledger as an archive (the same format import reads)."""
        ledger = state_of(ctx).ledger
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

    @app.command()
    def demo(
        ctx: typer.Context,
        tree_path: Path = typer.Option(
            Path("tiny-stories-tree.svg"),
            "--tree",
            help="Where to write the family tree (.svg, .png...).",
        ),
        output_format: Format = typer.Option(Format.text, "--format"),
    ) -> None:
        """Build (or rebuild) a ledger from the sample Tiny Stories archive and show it."""
        state = state_of(ctx)
        setting = resolve_db_setting(state.db)
        if setting.backend == "sqlite":
            # Rebuild from scratch: the demo owns its files (the ledger and its views).
            for name in (setting.env["SQLITE_DBNAME"], views_path(setting.env["SQLITE_DBNAME"])):
                for suffix in ("", "-wal", "-shm"):
                    Path(name + suffix).unlink(missing_ok=True)
        ledger = state.ledger
        sample = resources.files("ledger").joinpath("samples", SAMPLE)
        with resources.as_file(sample) as path:
            report = run_import(ledger, path, dry_run=False, batch_lines=2000)
        report.source = f"the sample archive {SAMPLE}"
        census = take_census(ledger)
        models = state.read_models
        models.projector.catch_up()
        top = models.rankings(limit=5)
        showcase = demo_showcase(state, tree_path)
        if output_format is Format.json:
            emit_json(
                {
                    "import": _summary(report, dry_run=False),
                    "ledger": census.as_dict(),
                    "rankings": [entry.as_dict() for entry in top],
                    "credits": showcase.credits.as_dict(),
                    "statement": showcase.statement.as_dict(),
                    "tree": str(showcase.tree_path),
                }
            )
            return
        typer.echo(f"Built the Tiny Stories demo ledger in {setting.redacted_url}")
        typer.echo(_summary(report, dry_run=False))
        typer.echo(_census_text(census))
        typer.echo(
            "\nTop works by Wilson score (remix-ledger rankings --by wilson|hot|remixed|newest):"
        )
        typer.echo(rankings_text(top))
        typer.echo(f"\nThe published story {showcase.title!r} ({showcase.external_id}):")
        typer.echo(showcase.credits.as_text())
        typer.echo("")
        typer.echo(statement_text(1, showcase.statement, showcase.issued))
        typer.echo(f"\nIts family tree: {showcase.tree_path}")


def _census_text(census: Census) -> str:
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(census.works_by_kind.items()))
    return "\n".join(
        [
            f"  members      {census.members} ({census.curators} curators)",
            f"  works        {census.works}: {kinds}",
            f"  remixes      {census.remixes}; deepest chain {census.deepest_chain} generations;"
            f" {census.diamonds} diamonds",
            f"  retracted    {census.retracted_works}",
            f"  comments     {census.comments}",
            f"  votes        {census.votes}",
            f"  productions  {census.productions} ({census.published} published)",
            f"  revenue      {census.revenue_text()}",
            f"  events       {census.events}, head position {census.position}",
        ]
    )


@dataclass(frozen=True)
class Showcase:
    title: str
    external_id: str | None
    credits: Credits
    statement: Statement
    issued: dict[str, Any] | None
    tree_path: Path


def demo_showcase(state: CliState, tree_path: Path) -> Showcase:
    """The published story with the deepest lineage: its credits, first statement, tree."""
    ledger, lineage = state.ledger, state.lineage
    published = [
        production_id
        for production_id in lineage.production_ids
        if lineage.production(production_id).published_at is not None
    ]
    production_id = published[0]
    story = max(
        lineage.production(production_id).work_ids,
        key=lambda work: (len(lineage.ancestors(work)), -lineage.work(work)["position"]),
    )
    # Issue the first payment's statement, as a curator would (once; the demo is rebuilt).
    statement = statement_for_revenue(lineage, production_id, 1)
    ledger.issue_statement(production_id, 1, statement.as_dict())
    lineage.catch_up(ledger)
    issued = lineage.production(production_id).statements[1][1]
    tree = family_tree(lineage, story)
    try:
        written = write_tree(tree, tree_path)
    except GraphvizMissingError as missing:
        # The demo still shows the tree's source; the message says how to get pictures.
        written = write_tree(tree, tree_path.with_suffix(".dot"))
        print(f"note: {missing}", file=sys.stderr)
    node = lineage.work(story)
    return Showcase(
        title=node["title"],
        external_id=node["external_id"],
        credits=credits_for(lineage, story, policy_of(lineage.production(production_id))),
        statement=statement,
        issued=issued,
        tree_path=written,
    )
