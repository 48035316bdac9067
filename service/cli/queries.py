"""A census of the ledger (read from the log), and the commands that find records."""

from __future__ import annotations

import typer

from ledger.application.census import take_census
from service.cli import finding
from service.cli.archive import census_text
from service.cli.context import Format, emit_json, state_of

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    finding.register(app)  # works list, members list, productions list

    @app.command()
    def census(
        ctx: typer.Context,
        output_format: Format = typer.Option(Format.text, "--format"),
    ) -> None:
        """Count what the ledger holds."""
        result = take_census(state_of(ctx).ledger)
        if output_format is Format.json:
            emit_json(result.as_dict())
        else:
            typer.echo(census_text(result))
