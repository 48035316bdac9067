"""The commands that record works and what is said of them: contribute, remix, cite,
retract, comment, vote."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger.domain.errors import InvalidValueError
from ledger.domain.values import Kind, parse_enum
from service.cli.acts import (
    AS_HELP,
    AT_HELP,
    ActingOption,
    AtOption,
    FormatOption,
    acting_member,
    parse_source,
    report,
)
from service.cli.context import Format, parse_when, recording

__all__ = ["register"]

# The options a work is recorded with, shared by ``contribute`` and ``remix``.
TitleOption = Annotated[str, typer.Option(help="The work's title (up to 200 characters).")]
AuthorsOption = Annotated[
    list[str], typer.Option("--author", help="An author; repeat for co-authors.")
]
KindOption = Annotated[str, typer.Option(help="text, image, audio, video or other.")]
BodyOption = Annotated[str | None, typer.Option(help="The text of the work.")]
BodyFileOption = Annotated[
    Path | None, typer.Option("--body-file", help="Read the text from a file.")
]
UriOption = Annotated[str | None, typer.Option(help="Where the media lives.")]
LicenseOption = Annotated[str | None, typer.Option("--license", help="e.g. CC-BY-4.0")]
ExternalIdOption = Annotated[str | None, typer.Option("--external-id", help="A legacy id; unique.")]


def _body(body: str | None, body_file: Path | None) -> str | None:
    if body is not None and body_file is not None:
        raise InvalidValueError("give --body or --body-file, not both")
    if body_file is not None:
        try:
            return body_file.read_text(encoding="utf-8")
        except OSError as error:
            raise InvalidValueError(f"cannot read {body_file}: {error.strerror}") from None
    return body


def register(app: typer.Typer) -> None:
    def record_work(
        ctx: typer.Context,
        authors: list[str],
        title: str,
        kind: str,
        sources: list[str],
        body: str | None,
        body_file: Path | None,
        uri: str | None,
        license_: str | None,
        external_id: str | None,
        acting: str | None,
        at: str | None,
        output_format: Format,
    ) -> None:
        ledger = recording(ctx)
        recorded = ledger.remix(
            authors=[ledger.find_member(author) for author in authors],
            title=title,
            kind=parse_enum(Kind, kind, "kind"),
            sources=[parse_source(ledger, spec) for spec in sources],
            body=_body(body, body_file),
            uri=uri,
            license=license_,
            external_id=external_id,
            actor_id=acting_member(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "recorded work", recorded, output_format)

    @app.command()
    def contribute(
        ctx: typer.Context,
        title: TitleOption,
        author: AuthorsOption,
        kind: KindOption = "text",
        body: BodyOption = None,
        body_file: BodyFileOption = None,
        uri: UriOption = None,
        license_: LicenseOption = None,
        external_id: ExternalIdOption = None,
        acting: ActingOption = None,
        at: AtOption = None,
        output_format: FormatOption = Format.text,
    ) -> None:
        """Contribute an original work."""
        record_work(
            ctx,
            author,
            title,
            kind,
            [],
            body,
            body_file,
            uri,
            license_,
            external_id,
            acting,
            at,
            output_format,
        )

    @app.command()
    def remix(
        ctx: typer.Context,
        title: TitleOption,
        author: AuthorsOption,
        source: Annotated[
            list[str],
            typer.Option(
                "--source", help="A source as WORK[:RELATION[:ROYALTY_PERCENT]]; repeat for more."
            ),
        ],
        kind: KindOption = "text",
        body: BodyOption = None,
        body_file: BodyFileOption = None,
        uri: UriOption = None,
        license_: LicenseOption = None,
        external_id: ExternalIdOption = None,
        acting: ActingOption = None,
        at: AtOption = None,
        output_format: FormatOption = Format.text,
    ) -> None:
        """Record a remix: a work built on 1 to 32 earlier works."""
        record_work(
            ctx,
            author,
            title,
            kind,
            source,
            body,
            body_file,
            uri,
            license_,
            external_id,
            acting,
            at,
            output_format,
        )

    @app.command()
    def cite(
        ctx: typer.Context,
        work: str = typer.Argument(..., help="The work that cites."),
        source: str = typer.Argument(..., help="The cited work, as WORK[:RELATION[:PERCENT]]."),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
        output_format: FormatOption = Format.text,
    ) -> None:
        """Add a source to a work (only its authors may; a cycle is refused)."""
        ledger = recording(ctx)
        recorded = ledger.cite_source(
            ledger.find_work(work),
            parse_source(ledger, source),
            actor_id=acting_member(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "cited a source for work", recorded, output_format)

    @app.command()
    def retract(
        ctx: typer.Context,
        work: str = typer.Argument(...),
        reason: str | None = typer.Option(None, help="Why, for the record."),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
        output_format: FormatOption = Format.text,
    ) -> None:
        """Retract a work: hidden from rankings, never erased from the log."""
        ledger = recording(ctx)
        recorded = ledger.retract_work(
            ledger.find_work(work),
            reason=reason,
            actor_id=acting_member(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "retracted work", recorded, output_format)

    @app.command()
    def comment(
        ctx: typer.Context,
        work: str = typer.Argument(...),
        text: str = typer.Argument(..., help="Up to 10 000 characters."),
        author: str = typer.Option(..., "--author", help="Who comments."),
        external_id: str | None = typer.Option(None, "--external-id"),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
        output_format: FormatOption = Format.text,
    ) -> None:
        """Comment on a work."""
        ledger = recording(ctx)
        recorded = ledger.comment(
            work_id=ledger.find_work(work),
            author_id=ledger.find_member(author),
            text=text,
            external_id=external_id,
            occurred_at=parse_when(at),
        )
        report(ledger, "recorded comment", recorded, output_format)

    @app.command()
    def vote(
        ctx: typer.Context,
        work: str = typer.Argument(...),
        member_ref: str = typer.Option(..., "--member", help="Who votes."),
        down: bool = typer.Option(False, "--down", help="Vote -1 instead of +1."),
        withdraw: bool = typer.Option(False, "--withdraw", help="Withdraw the member's vote."),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
        output_format: FormatOption = Format.text,
    ) -> None:
        """Vote on a work (+1, or -1 with --down); voting again changes the one vote."""
        if down and withdraw:
            raise InvalidValueError(
                "give --down or --withdraw, not both (withdrawing removes the vote, up or down)"
            )
        ledger = recording(ctx)
        member_id, work_id = ledger.find_member(member_ref), ledger.find_work(work)
        if withdraw:
            recorded = ledger.withdraw_vote(
                member_id=member_id, work_id=work_id, occurred_at=parse_when(at)
            )
            report(ledger, "withdrew vote", recorded, output_format)
            return
        recorded = ledger.vote(
            member_id=member_id,
            work_id=work_id,
            value=-1 if down else 1,
            occurred_at=parse_when(at),
        )
        report(ledger, "recorded vote", recorded, output_format)
