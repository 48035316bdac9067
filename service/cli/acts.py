"""What the commands that record acts share: their options, the acting member, the report.

Each recording command prints what it recorded and at which position. ``--as
MEMBER`` names the acting member; without it the operator (the person at this
terminal) acts.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from uuid import UUID

import typer

from ledger import Citation, Ledger, Recorded
from ledger.domain.errors import InvalidValueError, UnknownWorkError
from ledger.domain.values import Relation, parse_enum
from service.cli.context import Format

__all__ = [
    "AS_HELP",
    "AT_HELP",
    "ActingOption",
    "AtOption",
    "FormatOption",
    "acting_member",
    "emit_json_line",
    "parse_source",
    "report",
]

AS_HELP = "The acting member (id, external id or handle); omit to act as the operator."
AT_HELP = "When the act happened (RFC 3339); default now."
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


def acting_member(ledger: Ledger, reference: str | None) -> UUID | None:
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
