"""Finding records: ``works list``, ``members list``, ``productions list``.

Each lists a page in a stable order and prints the cursor of the next page
(``--after CURSOR``): works and productions by position, members by handle.
Works and members come from the read models (caught up first); productions,
which are few, from the log. External ids are read from the records of the page.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import typer
from eventsourcing.utils import get_topic

from ledger.domain.production import Production
from ledger.domain.values import Kind, normalise_handle, parse_enum
from projections.listing import WorkQuery, list_members, list_works
from projections.rows import MemberRow, WorkRow
from service.cli.context import Format, emit_json, state_of
from service.cli.views import current_read_models, external_id_of

__all__ = ["register"]

_PRODUCTION_CREATED = get_topic(Production.Created)  # its explicit, recorded topic


def _shown_id(record_id: UUID, external_id: str | None) -> str:
    return external_id if external_id is not None else str(record_id)


def _page_footer(next_after: str | int | None) -> str | None:
    return None if next_after is None else f"(more: --after {next_after})"


def register(app: typer.Typer) -> None:
    works = typer.Typer(help="Find works.", no_args_is_help=True)
    members = typer.Typer(help="Find members.", no_args_is_help=True)
    productions = typer.Typer(help="Find productions.", no_args_is_help=True)
    app.add_typer(works, name="works")
    app.add_typer(members, name="members")
    app.add_typer(productions, name="productions")

    @works.command("list")
    def works_list(
        ctx: typer.Context,
        kind: str | None = typer.Option(None, "--kind", help="Only works of this kind."),
        author: str | None = typer.Option(
            None, "--author", help="Only works by this member (id, external id or handle)."
        ),
        title: str | None = typer.Option(
            None, "--title", help="Only works whose title contains this text (case ignored)."
        ),
        retracted: bool | None = typer.Option(
            None,
            "--retracted/--not-retracted",
            help="Only retracted works, or only works not retracted (default: both).",
            show_default=False,
        ),
        after: int = typer.Option(
            0, "--after", min=0, help="The cursor: list works recorded after this position."
        ),
        limit: int = typer.Option(20, "--limit", min=1, max=1000),
        output_format: Format = typer.Option(Format.text, "--format"),
    ) -> None:
        """List works in the order they were recorded, filtered, a page at a time."""
        if kind is not None:
            parse_enum(Kind, kind, "--kind")
        state = state_of(ctx)
        ledger = state.ledger
        author_id = None if author is None else ledger.find_member(author)
        query = WorkQuery(kind, author_id, title, retracted)
        models = current_read_models(state)
        rows = list_works(models.store, query, after, limit)
        next_after = rows[-1].position if len(rows) == limit else None
        externals = {row.work_id: external_id_of(ledger, row.work_id) for row in rows}
        if output_format is Format.json:
            emit_json(
                {
                    "position": models.projector.position,
                    "next_after": next_after,
                    "works": [_work_dict(row, externals[row.work_id]) for row in rows],
                }
            )
            return
        if not rows:
            typer.echo("no works found")
        for row in rows:
            mark = " (retracted)" if row.retracted else ""
            typer.echo(
                f"{row.position:>8}  {_shown_id(row.work_id, externals[row.work_id])}"
                f"  {row.title!r} ({row.kind}){mark}"
            )
        footer = _page_footer(next_after)
        if footer:
            typer.echo(footer)

    @members.command("list")
    def members_list(
        ctx: typer.Context,
        after: str = typer.Option(
            "", "--after", help="The cursor: list members whose handle sorts after this one."
        ),
        limit: int = typer.Option(20, "--limit", min=1, max=1000),
        output_format: Format = typer.Option(Format.text, "--format"),
    ) -> None:
        """List members by handle, a page at a time."""
        if after:
            after = normalise_handle(after)
        state = state_of(ctx)
        ledger = state.ledger
        models = current_read_models(state)
        rows = list_members(models.store, after, limit)
        next_after = rows[-1].handle if len(rows) == limit else None
        externals = {row.member_id: external_id_of(ledger, row.member_id) for row in rows}
        if output_format is Format.json:
            emit_json(
                {
                    "position": models.projector.position,
                    "next_after": next_after,
                    "members": [_member_dict(row, externals[row.member_id]) for row in rows],
                }
            )
            return
        if not rows:
            typer.echo("no members found")
        for row in rows:
            typer.echo(
                f"@{row.handle}  {row.name!r}  {_shown_id(row.member_id, externals[row.member_id])}"
                f"  works {row.works}"
            )
        footer = _page_footer(next_after)
        if footer:
            typer.echo(footer)

    @productions.command("list")
    def productions_list(
        ctx: typer.Context,
        after: int = typer.Option(
            0, "--after", min=0, help="The cursor: list productions created after this position."
        ),
        limit: int = typer.Option(20, "--limit", min=1, max=1000),
        output_format: Format = typer.Option(Format.text, "--format"),
    ) -> None:
        """List productions in the order they were created, a page at a time."""
        ledger = state_of(ctx).ledger
        found = ledger.recorder.select_notifications(after + 1, limit, topics=[_PRODUCTION_CREATED])
        listed = [(n.id, ledger.production(UUID(str(n.originator_id)))) for n in found]
        next_after = listed[-1][0] if len(listed) == limit else None
        if output_format is Format.json:
            emit_json(
                {
                    "next_after": next_after,
                    "productions": [_production_dict(p, production) for p, production in listed],
                }
            )
            return
        if not listed:
            typer.echo("no productions found")
        for position, production in listed:
            data = _production_dict(position, production)
            state = "published" if production.published_at is not None else "not published"
            typer.echo(
                f"{position:>8}  {_shown_id(production.id, production.external_id)}"
                f"  {production.title!r} ({state}; {data['works']} works,"
                f" {data['revenue_payments']} revenue payments)"
            )
        footer = _page_footer(next_after)
        if footer:
            typer.echo(footer)


def _work_dict(row: WorkRow, external_id: str | None) -> dict[str, Any]:
    return {
        "id": str(row.work_id),
        "external_id": external_id,
        "title": row.title,
        "kind": row.kind,
        "authors": [str(a) for a in row.authors],
        "created_at": row.created_at.isoformat(),
        "position": row.position,
        "retracted": row.retracted,
    }


def _member_dict(row: MemberRow, external_id: str | None) -> dict[str, Any]:
    return {
        "id": str(row.member_id),
        "external_id": external_id,
        "handle": row.handle,
        "name": row.name,
        "works": row.works,
    }


def _production_dict(position: int, production: Production) -> dict[str, Any]:
    return {
        "id": str(production.id),
        "external_id": production.external_id,
        "title": production.title,
        "position": position,
        "published": production.published_at is not None,
        "works": len(production.work_ids),
        "revenue_payments": len(production.revenue),
    }
