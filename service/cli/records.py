"""Commands that record acts: members, works, citations, comments, votes, productions.

Each prints what it recorded and at which position. ``--as MEMBER`` names the
acting member; without it the operator (the person at this terminal) acts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer

from ledger import Citation, Ledger, Money, Recorded
from ledger.application.operations import include_works, register_curator
from ledger.domain.errors import InvalidValueError, UnknownWorkError
from ledger.domain.values import Kind, Relation, parse_enum
from service.cli.context import Format, parse_when, recording

__all__ = ["FormatOption", "emit_json_line", "parse_source", "register", "report"]

AS_HELP = "The acting member (id, external id or handle); omit to act as the operator."
AT_HELP = "When the act happened (RFC 3339); default now."


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
ActingOption = Annotated[str | None, typer.Option("--as", help=AS_HELP)]
AtOption = Annotated[str | None, typer.Option("--at", help=AT_HELP)]
FormatOption = Annotated[
    Format,
    typer.Option(
        "--format",
        help="text, or json: one JSON object a line per recorded act"
        " (what, id, external_id, position).",
    ),
]


def parse_source(ledger: Ledger, spec: str) -> Citation:
    """Read ``REF``, ``REF:RELATION`` or ``REF:RELATION:PERCENT`` (relation defaults to remix)."""
    parts = spec.rsplit(":", 2)
    relations = {relation.value for relation in Relation}
    if len(parts) == 3 and parts[1] in relations:
        reference, relation, percent = parts
    elif len(parts) >= 2 and parts[-1] in relations:
        reference, relation, percent = spec.rsplit(":", 1)[0], parts[-1], None
    else:
        reference, relation, percent = spec, Relation.REMIX.value, None
        try:
            work_id = ledger.find_work(spec)
        except UnknownWorkError:
            _refuse_relation(ledger, spec)
            raise
        return Citation(work_id, Relation.REMIX, None)
    return Citation(
        ledger.find_work(reference),
        parse_enum(Relation, relation, "relation"),
        Citation.parse_percent(percent),
    )


def _refuse_relation(ledger: Ledger, spec: str) -> None:
    """When ``spec`` is a known work and something after a colon, that is a bad relation."""
    for cut in (1, 2):
        reference, *rest = spec.rsplit(":", cut)
        if len(rest) == cut and reference:
            try:
                ledger.find_work(reference)
            except UnknownWorkError:
                continue
            allowed = ", ".join(relation.value for relation in Relation)
            raise InvalidValueError(
                f"{rest[0]!r} in source {spec!r} is not a relation; use one of: {allowed}"
            )


def _actor(ledger: Ledger, reference: str | None) -> UUID | None:
    return None if reference is None else ledger.find_member(reference)


def report(ledger: Ledger, what: str, recorded: Recorded, output_format: Format) -> None:
    """Say what a command recorded: its record's id, external id and position.

    ``Format.json`` writes one JSON object on one line, so a command that records
    several acts writes JSON Lines.
    """
    if output_format is Format.json:
        record: Any = ledger.repository.get(recorded.id)
        line = {
            "recorded": what,
            "id": str(recorded.id),
            "external_id": getattr(record, "external_id", None),
            "position": recorded.position,
        }
        emit_json_line(line)
        return
    where = "nothing new recorded" if recorded.position is None else f"position {recorded.position}"
    typer.echo(f"{what} {recorded.id} ({where})")


def emit_json_line(data: dict[str, Any]) -> None:
    """One JSON object on one line (JSON Lines: one a recorded act)."""
    typer.echo(json.dumps(data, ensure_ascii=False))


def _body(body: str | None, body_file: Path | None) -> str | None:
    if body is not None and body_file is not None:
        raise InvalidValueError("give --body or --body-file, not both")
    if body_file is not None:
        try:
            return body_file.read_text(encoding="utf-8")
        except OSError as error:
            raise InvalidValueError(f"cannot read {body_file}: {error.strerror}") from None
    return body


def register(app: typer.Typer) -> typer.Typer:
    member = typer.Typer(
        help="Register members and manage their roles and credit.", no_args_is_help=True
    )
    production = typer.Typer(
        help="Create, fill and publish productions; record revenue.", no_args_is_help=True
    )
    app.add_typer(member, name="member")
    app.add_typer(production, name="production")

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
            actor_id=_actor(ledger, acting),
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
            actor_id=_actor(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "set credit preference of", recorded, output_format)

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
            actor_id=_actor(ledger, acting),
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
            actor_id=_actor(ledger, acting),
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
            actor_id=_actor(ledger, acting),
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
            actor_id=_actor(ledger, acting),
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
            actor_id=_actor(ledger, acting),
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
            actor_id=_actor(ledger, acting),
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
            actor_id=_actor(ledger, acting),
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
            actor_id=_actor(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "recorded revenue for production", recorded, output_format)

    return production
