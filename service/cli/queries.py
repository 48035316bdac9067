"""Commands that read: history (the audit trail) and a census of the ledger."""

from __future__ import annotations

import typer

from ledger.census import take_census
from ledger.errors import InvalidValueError
from ledger.history import history_of
from service.cli.context import Format, emit_json, state_of

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command()
    def history(
        ctx: typer.Context,
        member: str | None = typer.Option(
            None, "--member", help="A member's id, external id or handle."
        ),
        work: str | None = typer.Option(None, "--work", help="A work's id or external id."),
        after: int = typer.Option(0, "--after", min=0, help="Only events after this position."),
        limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many entries."),
        output_format: Format = typer.Option(Format.text, "--format"),
    ) -> None:
        """Every event about a member or a work, in order: position, time, type, actor, summary."""
        if (member is None) == (work is None):
            raise InvalidValueError("give exactly one of --member or --work")
        ledger = state_of(ctx).ledger
        subject = ledger.find_member(member) if member is not None else ledger.find_work(work or "")
        entries = []
        for entry in history_of(ledger, subject, after=after):
            entries.append(entry)
            if limit is not None and len(entries) >= limit:
                break
        if output_format is Format.json:
            emit_json([entry.as_dict() for entry in entries])
            return
        for entry in entries:
            typer.echo(
                f"{entry.position:>8}  {entry.occurred_at:%Y-%m-%d %H:%M:%S}  {entry.type:<20} "
                f"{entry.actor:<16} {entry.summary}"
            )

    @app.command()
    def census(
        ctx: typer.Context,
        output_format: Format = typer.Option(Format.text, "--format"),
    ) -> None:
        """Count what the ledger holds."""
        from service.cli.archive import _census_text

        result = take_census(state_of(ctx).ledger)
        if output_format is Format.json:
            emit_json(result.as_dict())
        else:
            typer.echo(_census_text(result))
