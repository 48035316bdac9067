"""Commands over the lineage: credits, royalties, family trees, provenance, policies."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import typer

from ledger import Ledger, Recorded
from ledger.domain.errors import InvalidValueError, InvalidWeightsError, UnknownWorkError
from ledger.domain.numbers import parse_bounded_decimal
from service.cli.acts import AS_HELP, AT_HELP, FormatOption, acting_member, emit_json_line, report
from service.cli.context import Format, emit_json, parse_when, recording, state_of
from service.cli.views import AS_OF_HELP, as_of_position

# The lineage modules load NetworkX (and Graphviz): each command imports what it uses
# when it runs, so ``--help`` and the commands without a graph never pay for them.
if TYPE_CHECKING:
    from lineage.attribution import TASL
    from lineage.family_tree import FamilyTree
    from lineage.graph import LineageGraph
    from lineage.operations import IssuedStatements
    from lineage.policies import RoyaltyPolicy
    from lineage.previews import StatementView

__all__ = ["TREE_FORMATS", "register", "statement_text", "tree_bytes"]

#: The names of ``lineage.policies.POLICIES``, for the help text without importing them.
POLICY_NAMES = ("equal", "decay", "absolute", "relative", "flow")

#: The formats ``tree`` writes.
TREE_FORMATS = ("svg", "png", "dot", "json", "graphml")


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``--param r=1/2`` pairs as a dict."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidValueError(f"--param {pair!r} is not NAME=VALUE")
        params[name.strip()] = value.strip()
    return params


def _policy(name: str | None, params: list[str]) -> RoyaltyPolicy | None:
    if name is None:
        if params:
            raise InvalidValueError("--param needs --policy")
        return None
    from lineage.policies import policy_from_name

    return policy_from_name(name, **parse_params(params))


def _position(ledger: Ledger, as_of: str | None) -> int | None:
    return as_of_position(ledger, as_of)


def _existing(lineage: LineageGraph, work_id: UUID, position: int | None, reference: str) -> UUID:
    """The work, if it had been recorded by ``position``; else say when it was."""
    if (
        position is not None
        and lineage.has_work(work_id)
        and not lineage.has_work(work_id, position)
    ):
        recorded = lineage.work(work_id)["position"]
        raise UnknownWorkError(
            f"work {reference!r} did not exist yet at position {position}"
            f" (it was recorded at position {recorded})"
        )
    return work_id


def statement_text(view: StatementView) -> str:
    """A statement as text: its header says what it is (issued, not yet, or what if)."""
    statement = view.statement
    data = statement.as_dict()
    lines = [
        f"Revenue #{view.revenue_number} of {statement.production_title!r}:"
        f" {data['revenue']['amount']} {statement.currency}; contributor pool"
        f" {data['pool']['percent']['percent']}% = {data['pool']['amount']}"
        f" {statement.currency}; policy {statement.policy};"
        f" as of position {statement.position} ({view.label})",
    ]
    for line in data["lines"]:
        name = line["credited_as"] or "Anonymous"
        waived = " (waived)" if line["waived"] else ""
        lines.append(
            f"  {line['amount']:>12} {statement.currency}  {line['share']['percent']:>6}%"
            f"  {name} (@{line['handle']}){waived}"
        )
    return "\n".join(lines)


def register(app: typer.Typer, production: typer.Typer) -> None:
    @app.command()
    def credits(
        ctx: typer.Context,
        work: str = typer.Argument(..., help="The work's id or external id."),
        policy: str | None = typer.Option(
            None, "--policy", help=f"One of {', '.join(POLICY_NAMES)} (default decay)."
        ),
        param: list[str] = typer.Option(
            [], "--param", help="A policy parameter, e.g. r=1/3 for decay."
        ),
        as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
        output_format: str = typer.Option("text", "--format", help="text, json, md or html."),
    ) -> None:
        """Who gets credit for a work (and its ancestors), with their shares and attribution.

        Text, Markdown and HTML name a few works per contributor and count the rest;
        JSON lists them all, with the attribution.
        """
        from lineage.attribution import attribution_text, tasl_entries
        from lineage.credits import credits_for
        from lineage.credits_pages import credits_html, credits_markdown
        from lineage.policies import policy_from_name

        if output_format not in ("text", "json", "md", "html"):
            raise InvalidValueError(
                f"--format {output_format!r} is not one of text, json, md, html"
            )
        state = state_of(ctx)
        ledger = state.ledger
        work_id = ledger.find_work(work)
        position = _position(ledger, as_of)
        lineage = state.lineage
        _existing(lineage, work_id, position, work)
        chosen = _policy(policy, param) or policy_from_name("decay")
        result = credits_for(lineage, work_id, chosen, as_of=position)
        if output_format == "json":
            data = result.as_dict()
            data["attribution"] = {
                "text": attribution_text(lineage, work_id, as_of=position),
                "entries": [
                    _tasl_dict(entry) for entry in tasl_entries(lineage, work_id, as_of=position)
                ],
            }
            emit_json(data)
        elif output_format == "md":
            typer.echo(credits_markdown(lineage, result))
        elif output_format == "html":
            typer.echo(credits_html(lineage, result))
        else:
            typer.echo(result.as_text())
            typer.echo("")
            typer.echo(attribution_text(lineage, work_id, as_of=position))

    @app.command()
    def royalties(
        ctx: typer.Context,
        production_ref: str = typer.Argument(..., metavar="PRODUCTION"),
        revenue: int | None = typer.Option(
            None, "--revenue", min=1, help="Only revenue payment #N."
        ),
        policy: str | None = typer.Option(
            None, "--policy", help="What if: another policy than the production's."
        ),
        param: list[str] = typer.Option([], "--param", help="A policy parameter, e.g. r=1/3."),
        issue: bool = typer.Option(
            False,
            "--issue",
            help="Record the statements not issued yet (with none left, say so for each).",
        ),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
        output_format: str = typer.Option("text", "--format", help="text or json."),
    ) -> None:
        """The royalty statement of each revenue payment of a production, to the cent."""
        from lineage.operations import issue_statements
        from lineage.previews import statement_views

        state = state_of(ctx)
        ledger = state.recording() if issue else state.ledger
        production_id = ledger.find_production(production_ref)
        lineage = state.lineage
        what_if = _policy(policy, param)
        if issue and what_if is not None:
            raise InvalidValueError("--issue records the production's own policy; drop --policy")
        if issue:
            issued_now = issue_statements(
                ledger,
                lineage,
                production_id,
                revenue_number=revenue,
                actor_id=acting_member(ledger, acting),
            )
            chosen = Format.json if output_format == "json" else Format.text
            _report_issued(ledger, lineage, issued_now, revenue, chosen)
            return
        views = statement_views(lineage, production_id, policy=what_if, revenue_number=revenue)
        if revenue is not None and not views:
            raise InvalidValueError(f"the production has no revenue payment #{revenue}")
        if output_format == "json":
            emit_json([view.as_dict() for view in views])
            return
        if not views:
            typer.echo("no revenue recorded yet")
        typer.echo("\n\n".join(statement_text(view) for view in views))

    @app.command()
    def tree(
        ctx: typer.Context,
        work: str = typer.Argument(..., help="The focus work's id or external id."),
        output: Path = typer.Option(
            ...,
            "-o",
            "--output",
            help="FILE.svg, .png, .dot, .json or .graphml; - for stdout (with --format).",
        ),
        tree_format: str | None = typer.Option(
            None,
            "--format",
            help="svg, png, dot, json or graphml; default: the file's suffix (svg for -).",
        ),
        up: int | None = typer.Option(
            None, "--up", min=0, help="Ancestor generations (default all)."
        ),
        down: int | None = typer.Option(
            None, "--down", min=0, help="Descendant generations (default all)."
        ),
        max_nodes: int = typer.Option(
            200, "--max-nodes", min=1, help="Cap; the rest become '+N more'."
        ),
        as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
    ) -> None:
        """Draw a work's remix family tree; ``-o -`` writes it to stdout."""
        from lineage.family_tree import family_tree
        from lineage.render import write_tree

        fmt = _tree_format(output, tree_format)
        state = state_of(ctx)
        ledger = state.ledger
        work_id = ledger.find_work(work)
        position = _position(ledger, as_of)
        _existing(state.lineage, work_id, position, work)
        selected = family_tree(
            state.lineage, work_id, up=up, down=down, max_nodes=max_nodes, as_of=position
        )
        if str(output) == "-":
            _to_stdout(tree_bytes(selected, fmt))
            return
        _check_folder(output)
        try:
            written = write_tree(selected, output)
        except OSError as error:
            raise InvalidValueError(f"cannot write {str(output)!r}: {error.strerror}") from None
        typer.echo(f"wrote the family tree of {len(selected.work_ids)} works to {written}")

    @app.command()
    def provenance(
        ctx: typer.Context,
        work: str = typer.Argument(..., help="The work's id or external id."),
        output: Path = typer.Option(
            ..., "-o", "--output", help="FILE.json (W3C PROV-JSON); - for stdout."
        ),
        as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
    ) -> None:
        """Write a work's lineage as W3C PROV-JSON; ``-o -`` writes it to stdout."""
        from lineage.provenance import provenance_document, write_provenance

        state = state_of(ctx)
        ledger = state.ledger
        work_id = ledger.find_work(work)
        position = _position(ledger, as_of)
        _existing(state.lineage, work_id, position, work)
        if str(output) == "-":
            document = provenance_document(state.lineage, work_id, position)
            typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
            return
        _check_folder(output)
        try:
            written = write_provenance(state.lineage, work_id, output, as_of=position)
        except OSError as error:
            raise InvalidValueError(f"cannot write {str(output)!r}: {error.strerror}") from None
        typer.echo(f"wrote PROV-JSON to {written}")

    @production.command("policy")
    def production_policy(
        ctx: typer.Context,
        production_ref: str = typer.Argument(..., metavar="PRODUCTION"),
        policy: str = typer.Argument(..., help=", ".join(POLICY_NAMES)),
        param: list[str] = typer.Option([], "--param", help="A policy parameter, e.g. r=1/3."),
        pool_percent: str = typer.Option(
            "50", "--pool-percent", help="Percent of revenue for contributors."
        ),
        weight: list[str] = typer.Option(
            [], "--weight", help="WORK=WEIGHT; give every included work one."
        ),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
        output_format: FormatOption = Format.text,
    ) -> None:
        """Choose the production's royalty policy, contributor pool and work weights."""
        from lineage.policies import policy_from_name

        ledger = recording(ctx)
        params = parse_params(param)
        chosen = policy_from_name(
            policy, **params
        )  # refuse unknown policies and bad parameters now
        typed: dict[UUID, str] = {}  # each weighted work's id -> the reference typed
        weights: dict[UUID, Decimal] = {}
        for pair in weight:
            reference, sep, value = (part.strip() for part in pair.partition("="))
            if not sep or not reference:
                raise InvalidValueError(f"--weight {pair!r} is not WORK=WEIGHT")
            try:
                work_id = ledger.find_work(reference)
            except UnknownWorkError as error:
                raise InvalidValueError(f"--weight {reference}: {error}") from None
            typed[work_id] = reference
            weights[work_id] = _decimal(value, f"--weight {reference}:")
        try:
            recorded = ledger.choose_policy(
                ledger.find_production(production_ref),
                chosen.name,
                params=params,
                pool_percent=_decimal(pool_percent, "--pool-percent"),
                weights=weights or None,
                actor_id=acting_member(ledger, acting),
                occurred_at=parse_when(at),
            )
        except InvalidWeightsError as error:
            named = typed.get(error.work_id) if error.work_id is not None else None
            prefix = f"--weight {named}" if named is not None else "--weight"
            raise InvalidValueError(f"{prefix}: {error}") from None
        report(ledger, f"chose {chosen} for production", recorded, output_format)

    @production.command("waive")
    def production_waive(
        ctx: typer.Context,
        production_ref: str = typer.Argument(..., metavar="PRODUCTION"),
        member: str = typer.Option(..., "--member", help="The member who waives their share."),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
        output_format: FormatOption = Format.text,
    ) -> None:
        """A member waives their share of the revenue the production records from now on.

        It applies to the statements of revenue payments recorded after the waiver;
        revenue recorded before it keeps the member's share, even while its statement
        is not issued yet. The share goes to the other contributors in proportion.
        """
        from service.cli.context import parse_when

        ledger = recording(ctx)
        recorded = ledger.waive_share(
            ledger.find_production(production_ref),
            ledger.find_member(member),
            actor_id=acting_member(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "waived a share of production", recorded, output_format)


def _report_issued(
    ledger: Ledger,
    lineage: LineageGraph,
    issued_now: IssuedStatements,
    revenue: int | None,
    output_format: Format,
) -> None:
    """Name the statements just issued; when there were none left, say so for each."""
    production_id = issued_now.production_id
    if issued_now.statements:
        # Each statement is its own event: say where each was recorded, read back
        # from the log (the transaction's position is only the last one's).
        lineage.catch_up(ledger)
        issued_at = lineage.production(production_id).statements
        for number in issued_now.statements:
            recorded = Recorded(production_id, issued_at[number][0])
            report(ledger, f"issued statement #{number} for production", recorded, output_format)
        return
    issued_at = lineage.production(production_id).statements
    for number in sorted(issued_at) if revenue is None else [revenue]:
        position = issued_at[number][0]
        if output_format is Format.json:
            emit_json_line(
                {"already_issued": number, "id": str(production_id), "position": position}
            )
        else:
            typer.echo(
                f"statement #{number} was already issued, at position {position};"
                " nothing new recorded"
            )


def _tasl_dict(entry: TASL) -> dict[str, Any]:
    return {
        "work": str(entry.work_id),
        "title": entry.title,
        "authors": list(entry.authors),
        "source": entry.source,
        "licence": entry.licence,
        "relation": entry.relation,
        "via": entry.via,
    }


def _tree_format(output: Path, chosen: str | None) -> str:
    """The family tree's format: ``--format``, else the file's suffix (svg for stdout)."""
    if chosen is None:
        chosen = "svg" if str(output) == "-" else output.suffix.lower().lstrip(".")
    if chosen not in TREE_FORMATS:
        raise InvalidValueError(
            f"cannot write a family tree as {chosen!r}; use one of: {', '.join(TREE_FORMATS)}"
        )
    if str(output) != "-" and output.suffix.lower().lstrip(".") != chosen:
        raise InvalidValueError(f"--format {chosen} does not match the file name {str(output)!r}")
    return chosen


def tree_bytes(selected: FamilyTree, fmt: str) -> bytes:
    """The family tree in ``fmt`` (one of ``TREE_FORMATS``), as the file would hold it."""
    from lineage.render import render, to_dot, to_graphml, to_json

    if fmt in ("svg", "png"):
        return render(selected, fmt)
    text = {"dot": to_dot, "json": to_json, "graphml": to_graphml}[fmt](selected)
    return text.encode("utf-8")


def _to_stdout(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _check_folder(output: Path) -> None:
    folder = output.parent
    if not folder.is_dir():
        raise InvalidValueError(
            f"cannot write {str(output)!r}: folder {str(folder)!r} does not exist"
        )


def _decimal(text: str, what: str) -> Decimal:
    # Matched as text first: Decimal("1e-5000") would be accepted, and cost later.
    return parse_bounded_decimal(text, what)
