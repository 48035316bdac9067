"""The ``production`` commands: create, fill and publish a production, record its revenue."""

from __future__ import annotations

import typer

from ledger import Money
from ledger.application.operations import include_works
from service.cli.acts import (
    AS_HELP,
    AT_HELP,
    FormatOption,
    acting_member,
    report,
)
from service.cli.context import Format, parse_when, recording

__all__ = ["register"]


def register(production: typer.Typer) -> None:
    @production.command("create")
    def production_create(
        ctx: typer.Context,
        title: str = typer.Argument(...),
        curator: str = typer.Option(
            ..., "--curator", help="The curating member (must be a curator)."
        ),
        external_id: str | None = typer.Option(None, "--external-id"),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
        output_format: FormatOption = Format.text,
    ) -> None:
        """Start a production."""
        ledger = recording(ctx)
        recorded = ledger.create_production(
            title=title,
            curator_id=ledger.find_member(curator),
            external_id=external_id,
            actor_id=acting_member(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "created production", recorded, output_format)

    @production.command("include")
    def production_include(
        ctx: typer.Context,
        production_ref: str = typer.Argument(..., metavar="PRODUCTION"),
        works: list[str] = typer.Argument(..., metavar="WORK..."),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
        output_format: FormatOption = Format.text,
    ) -> None:
        """Add works to an unpublished production."""
        ledger = recording(ctx)
        production_id = ledger.find_production(production_ref)
        work_ids = [ledger.find_work(work) for work in works]
        recorded = include_works(
            ledger,
            production_id,
            work_ids,
            actor_id=acting_member(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(
            ledger, f"included {len(set(work_ids))} work(s) in production", recorded, output_format
        )

    @production.command("exclude")
    def production_exclude(
        ctx: typer.Context,
        production_ref: str = typer.Argument(..., metavar="PRODUCTION"),
        work: str = typer.Argument(...),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
        output_format: FormatOption = Format.text,
    ) -> None:
        """Take a work out of an unpublished production."""
        ledger = recording(ctx)
        recorded = ledger.exclude_work(
            ledger.find_production(production_ref),
            ledger.find_work(work),
            actor_id=acting_member(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "excluded from production", recorded, output_format)

    @production.command("publish")
    def production_publish(
        ctx: typer.Context,
        production_ref: str = typer.Argument(..., metavar="PRODUCTION"),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
        output_format: FormatOption = Format.text,
    ) -> None:
        """Publish a production (once)."""
        ledger = recording(ctx)
        recorded = ledger.publish(
            ledger.find_production(production_ref),
            actor_id=acting_member(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "published production", recorded, output_format)

    # A negative amount ("-100") is an argument to refuse with the rule's own words,
    # not an unknown option.
    @production.command("revenue", context_settings={"ignore_unknown_options": True})
    def production_revenue(
        ctx: typer.Context,
        production_ref: str = typer.Argument(..., metavar="PRODUCTION"),
        amount: str = typer.Argument(..., help='A positive decimal amount, e.g. "1234.56".'),
        currency: str = typer.Option("USD", help="ISO 4217 code."),
        external_id: str | None = typer.Option(
            None, "--external-id", help="Makes re-recording a no-op."
        ),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
        output_format: FormatOption = Format.text,
    ) -> None:
        """Record revenue a published production earned."""
        ledger = recording(ctx)
        recorded = ledger.record_revenue(
            ledger.find_production(production_ref),
            Money.parse(amount, currency),
            external_id=external_id,
            actor_id=acting_member(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "recorded revenue for production", recorded, output_format)
