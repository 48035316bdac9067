"""``demo``: the Tiny Stories sample, built into a ledger of its own and shown.

The demo never destroys or pollutes a ledger. It builds only into an empty
ledger or into a demo ledger: one whose first event registers the sample's first
member (the id derived from that member's external id, so only an import of the
sample starts a ledger so). Importing the sample again records nothing already
there, so running the demo twice shows the same ledger without touching it.
Anything else is refused with one line. ``--replace`` deletes a demo ledger's
SQLite files and builds it afresh; it touches nothing else.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

import typer

from ledger import Ledger
from ledger.application.census import take_census
from ledger.domain.errors import InvalidValueError, LedgerError, ReadOnlyLedgerError
from ledger.domain.identity import member_id_for
from projections.opening import views_path
from service.cli.archive import census_text, run_import, summary
from service.cli.context import CliState, Format, emit_json, state_of
from service.cli.demo_proposal import demo_proposal, final_lines_text
from service.cli.lineage_commands import statement_text
from service.cli.views import rankings_text, shown_ids

# The lineage modules load NetworkX and Graphviz: imported where the demo uses them.
if TYPE_CHECKING:
    from lineage.credits import Credits
    from lineage.graph import LineageGraph
    from lineage.previews import StatementView

__all__ = ["NotADemoLedgerError", "is_demo_ledger", "register"]

SAMPLE = "tiny-stories.jsonl"


class NotADemoLedgerError(LedgerError):
    """The ledger holds records the demo did not put there; the demo leaves it alone."""


@contextmanager
def sample_archive() -> Iterator[Path]:
    with resources.as_file(resources.files("ledger").joinpath("samples", SAMPLE)) as path:
        yield path


def _first_member_id() -> UUID:
    with sample_archive() as path, path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("type") == "member":
                return member_id_for(record["id"])
    raise AssertionError(f"the sample {SAMPLE} registers no member")


def is_demo_ledger(ledger: Ledger) -> bool:
    """True if the ledger began as the sample: its first event registers the sample's
    first member (a ledger that began any other way never has that event first)."""
    first = ledger.recorder.select_notifications(start=1, limit=1)
    return bool(first) and (first[0].originator_id, first[0].originator_version) == (
        _first_member_id(),
        1,
    )


def _check_builds_into(state: CliState) -> None:
    ledger = state.ledger
    if ledger.head and not is_demo_ledger(ledger):
        raise NotADemoLedgerError(
            f"{state.setting.redacted_url} already holds a ledger the demo did not build"
            f" ({ledger.head} events) and leaves it alone: give --db another ledger, a new"
            " file (e.g. --db demo.db) or an empty PostgreSQL ?schema="
        )


def _replace(state: CliState) -> None:
    """Delete a demo ledger's SQLite files (the ledger, its views, its lineage snapshot)."""
    setting = state.setting
    path = setting.sqlite_path
    if path is None:
        raise InvalidValueError(
            "--replace deletes only an SQLite demo ledger; for this ledger give --db a new"
            " file, or a new ?schema= on PostgreSQL"
        )
    _check_builds_into(state)
    if state.refusal is not None:
        raise ReadOnlyLedgerError(state.refusal)
    state.close()
    from lineage.snapshot import snapshot_path_for

    snapshot = snapshot_path_for(setting)
    files = [
        Path(f"{name}{suffix}")
        for name in (path, views_path(str(path)))
        for suffix in ("", "-wal", "-shm")
    ]
    for file in [*files, *([snapshot] if snapshot else [])]:
        file.unlink(missing_ok=True)


def _check_tree_folder(tree_path: Path) -> None:
    """Refuse a tree the demo could not write before anything is recorded."""
    folder = tree_path.parent
    if not folder.is_dir():
        raise InvalidValueError(f"--tree {tree_path}: folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise InvalidValueError(f"--tree {tree_path}: folder {str(folder)!r} is read-only")


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        ctx: typer.Context,
        tree_path: Path = typer.Option(
            Path("tiny-stories-tree.svg"),
            "--tree",
            help="Where to write the family tree (.svg, .png...).",
        ),
        payouts_path: Path = typer.Option(
            Path("tiny-stories-payouts.csv"),
            "--payouts",
            help="Where to write the demo proposal's payout file (csv).",
        ),
        replace: bool = typer.Option(
            False,
            "--replace",
            help="Delete an earlier demo ledger (an SQLite file the demo built), build it again.",
        ),
        output_format: Format = typer.Option(Format.text, "--format"),
    ) -> None:
        """Build the Tiny Stories sample into an empty (or earlier demo) ledger, and show it."""
        _check_tree_folder(tree_path)
        state = state_of(ctx)
        state.recording()
        if replace:
            _replace(state)
        _check_builds_into(state)
        ledger = state.ledger
        if state.refusal is not None and not ledger.head:
            raise ReadOnlyLedgerError(state.refusal)
        with sample_archive() as path:
            report = run_import(ledger, path, dry_run=False, batch_lines=2000)
        report.source = f"the sample archive {SAMPLE}"
        # The showcase issues a statement: shown first, so the census counts it.
        showcase = demo_showcase(state, tree_path)
        production_id, _ = deepest_published_story(state.lineage)
        proposal = demo_proposal(state, production_id, payouts_path)
        census = take_census(ledger)
        models = state.read_models
        models.projector.catch_up()
        top = models.rankings(limit=5)
        if output_format is Format.json:
            emit_json(
                {
                    "import": summary(report, dry_run=False),
                    "ledger": census.as_dict(),
                    "rankings": [entry.as_dict() for entry in top],
                    "credits": showcase.credits.as_dict(),
                    "statement": showcase.statement.as_dict(),
                    "tree": str(showcase.tree_path),
                    "proposal": str(proposal.proposal.id),
                    "payouts": str(proposal.payouts_path),
                }
            )
            return
        where = state.setting.redacted_url
        typer.echo(
            f"Built the Tiny Stories demo ledger in {where}"
            if report.applied
            else f"The Tiny Stories demo ledger in {where} (built earlier; nothing new recorded)"
        )
        typer.echo(summary(report, dry_run=False))
        typer.echo(census_text(census))
        typer.echo(
            "\nTop works by Wilson score (remix-ledger rankings --by wilson|hot|remixed|newest):"
        )
        typer.echo(rankings_text(top, shown_ids(ledger, top)))
        typer.echo(f"\nThe published story {showcase.title!r} ({showcase.external_id}):")
        typer.echo(showcase.credits.as_text())
        typer.echo("")
        typer.echo(statement_text(showcase.statement))
        typer.echo(f"\nIts family tree: {showcase.tree_path}")
        typer.echo("")
        typer.echo(final_lines_text(proposal))
        typer.echo(
            f"Its payout file: {proposal.payouts_path}"
            f" (remix-ledger proposal show {proposal.proposal.id})"
        )


@dataclass(frozen=True)
class Showcase:
    title: str
    external_id: str | None
    credits: Credits
    statement: StatementView
    tree_path: Path


def deepest_published_story(lineage: LineageGraph) -> tuple[UUID, UUID]:
    """The first published production, and its work with the most ancestors (the
    earlier recorded on a tie): the story the demo shows."""
    production_id = next(
        production_id
        for production_id in lineage.production_ids
        if lineage.production(production_id).published_at is not None
    )
    story = max(
        lineage.production(production_id).work_ids,
        key=lambda work: (len(lineage.ancestors(work)), -lineage.work(work)["position"]),
    )
    return production_id, story


def demo_showcase(state: CliState, tree_path: Path) -> Showcase:
    """The published story with the deepest lineage: its credits, first statement, tree."""
    from lineage.credits import credits_for
    from lineage.family_tree import family_tree
    from lineage.previews import statement_views
    from lineage.render import GraphvizMissingError, write_tree
    from lineage.royalties import policy_of, statement_for_revenue

    ledger, lineage = state.ledger, state.lineage
    production_id, story = deepest_published_story(lineage)
    # Issue the first payment's statement, as a curator would: once (a demo ledger
    # built earlier already has it).
    statement = statement_for_revenue(lineage, production_id, 1)
    if 1 not in lineage.production(production_id).statements:
        ledger.issue_statement(production_id, 1, statement.as_dict())
        lineage.catch_up(ledger)
    (shown,) = statement_views(lineage, production_id, revenue_number=1)
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
        statement=shown,
        tree_path=written,
    )
