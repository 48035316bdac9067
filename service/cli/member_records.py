"""The ``member`` commands that record acts: register a member, grant a role, set their credit."""

from __future__ import annotations

import typer

from ledger.application.operations import register_curator
from service.cli.acts import (
    AS_HELP,
    AT_HELP,
    FormatOption,
    acting_member,
    report,
)
from service.cli.context import Format, parse_when, recording

__all__ = ["register"]


def register(member: typer.Typer) -> None:
    @member.command("add")
    def member_add(
        ctx: typer.Context,
        handle: str = typer.Argument(
            ..., help="Unique handle: 2-32 of a-z 0-9 _ - (case ignored)."
        ),
        name: str | None = typer.Option(None, help="Display name (default: the handle)."),
        external_id: str | None = typer.Option(None, "--external-id", help="A legacy id; unique."),
        curator: bool = typer.Option(False, "--curator", help="Also grant the curator role."),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
        output_format: FormatOption = Format.text,
    ) -> None:
        """Register a member."""
        ledger = recording(ctx)
        if curator:
            recorded = register_curator(
                ledger,
                handle=handle,
                name=name,
                external_id=external_id,
                occurred_at=parse_when(at),
            )
            report(ledger, "registered curator", recorded, output_format)
            return
        recorded = ledger.register_member(
            handle=handle, name=name, external_id=external_id, occurred_at=parse_when(at)
        )
        report(ledger, "registered member", recorded, output_format)

    @member.command("grant")
    def member_grant(
        ctx: typer.Context,
        member_ref: str = typer.Argument(..., metavar="MEMBER"),
        role: str = typer.Argument("curator", help="The role to grant (curator)."),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
        output_format: FormatOption = Format.text,
    ) -> None:
        """Grant a role to a member (the operator, or a curator, may)."""
        ledger = recording(ctx)
        recorded = ledger.grant_role(
            ledger.find_member(member_ref),
            role,
            actor_id=acting_member(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, f"granted {role} to", recorded, output_format)

    @member.command("credit")
    def member_credit(
        ctx: typer.Context,
        member_ref: str = typer.Argument(..., metavar="MEMBER"),
        mode: str = typer.Argument(..., help="name, pseudonym or none."),
        pseudonym: str | None = typer.Option(
            None, help="The name to credit (with mode pseudonym)."
        ),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
        output_format: FormatOption = Format.text,
    ) -> None:
        """Set how a member is credited: by name, by a pseudonym, or not at all."""
        ledger = recording(ctx)
        member_id = ledger.find_member(member_ref)
        recorded = ledger.set_credit_preference(
            member_id,
            mode,
            pseudonym=pseudonym,
            actor_id=acting_member(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "set credit preference of", recorded, output_format)
