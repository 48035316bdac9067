"""Commands over the lineage: credits, royalties, family trees, provenance, policies."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer

from ledger import Ledger, Recorded
from ledger.errors import InvalidValueError
from lineage.attribution import attribution_html, attribution_markdown, attribution_text
from lineage.credits import credits_for
from lineage.family_tree import family_tree
from lineage.operations import issue_statements
from lineage.policies import POLICIES, RoyaltyPolicy, policy_from_name
from lineage.provenance import write_provenance
from lineage.render import write_tree
from lineage.royalties import statement_for_revenue, statements_of
from lineage.statements import Statement
from service.cli.context import emit_json, state_of
from service.cli.records import AS_HELP, AT_HELP, _actor, _report
from service.cli.views import parse_as_of

__all__ = ["register", "statement_text"]


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
    return policy_from_name(name, **parse_params(params))


def _position(ledger: Ledger, as_of: str | None) -> int | None:
    from projections.queries import resolve_as_of

    return resolve_as_of(ledger, parse_as_of(as_of))


def statement_text(number: int, statement: Statement, issued: dict[str, Any] | None) -> str:
    data = statement.as_dict()
    lines = [
        f"Revenue #{number} of {statement.production_title!r}: {data['revenue']['amount']}"
        f" {statement.currency}; contributor pool {data['pool']['percent']['percent']}%"
        f" = {data['pool']['amount']} {statement.currency}; policy {statement.policy};"
        f" as of position {statement.position}" + ("" if issued is None else " (issued)"),
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
            None, "--policy", help=f"One of {', '.join(POLICIES)} (default decay)."
        ),
        param: list[str] = typer.Option(
            [], "--param", help="A policy parameter, e.g. r=1/3 for decay."
        ),
        as_of: str | None = typer.Option(
            None, "--as-of", help="A past position or time (RFC 3339)."
        ),
        output_format: str = typer.Option("text", "--format", help="text, json, md or html."),
    ) -> None:
        """Who gets credit for a work (and its ancestors), with their shares and attribution."""
        state = state_of(ctx)
        ledger = state.ledger
        work_id = ledger.find_work(work)
        position = _position(ledger, as_of)
        lineage = state.lineage
        chosen = _policy(policy, param) or policy_from_name("decay")
        result = credits_for(lineage, work_id, chosen, as_of=position)
        if output_format == "json":
            emit_json(result.as_dict())
        elif output_format == "md":
            typer.echo(attribution_markdown(lineage, work_id, as_of=position))
        elif output_format == "html":
            typer.echo(attribution_html(lineage, work_id, as_of=position))
        elif output_format == "text":
            typer.echo(result.as_text())
            typer.echo("")
            typer.echo(attribution_text(lineage, work_id, as_of=position))
        else:
            raise InvalidValueError(
                f"--format {output_format!r} is not one of text, json, md, html"
            )

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
        issue: bool = typer.Option(False, "--issue", help="Record the statements not issued yet."),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
        output_format: str = typer.Option("text", "--format", help="text or json."),
    ) -> None:
        """The royalty statement of each revenue payment of a production, to the cent."""
        state = state_of(ctx)
        ledger = state.ledger
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
                actor_id=_actor(ledger, acting),
            )
            for number in issued_now.statements:
                recorded = Recorded(production_id, issued_now.position)
                _report(f"issued statement #{number} for production", recorded)
            return
        rows = [
            (number, statement_for_revenue(lineage, production_id, number, policy=what_if), issued)
            for number, _, issued in statements_of(lineage, production_id)
            if revenue is None or number == revenue
        ]
        if revenue is not None and not rows:
            raise InvalidValueError(f"the production has no revenue payment #{revenue}")
        if output_format == "json":
            emit_json(
                [{"revenue_number": n, "issued": i is not None, **s.as_dict()} for n, s, i in rows]
            )
            return
        if not rows:
            typer.echo("no revenue recorded yet")
        typer.echo("\n\n".join(statement_text(n, s, i) for n, s, i in rows))

    @app.command()
    def tree(
        ctx: typer.Context,
        work: str = typer.Argument(..., help="The focus work's id or external id."),
        output: Path = typer.Option(
            ..., "-o", "--output", help="FILE.svg, .png, .dot, .json or .graphml"
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
        as_of: str | None = typer.Option(
            None, "--as-of", help="A past position or time (RFC 3339)."
        ),
    ) -> None:
        """Draw a work's remix family tree."""
        state = state_of(ctx)
        ledger = state.ledger
        work_id = ledger.find_work(work)
        selected = family_tree(
            state.lineage,
            work_id,
            up=up,
            down=down,
            max_nodes=max_nodes,
            as_of=_position(ledger, as_of),
        )
        written = write_tree(selected, output)
        typer.echo(f"wrote the family tree of {len(selected.work_ids)} works to {written}")

    @app.command()
    def provenance(
        ctx: typer.Context,
        work: str = typer.Argument(..., help="The work's id or external id."),
        output: Path = typer.Option(..., "-o", "--output", help="FILE.json (W3C PROV-JSON)."),
        as_of: str | None = typer.Option(
            None, "--as-of", help="A past position or time (RFC 3339)."
        ),
    ) -> None:
        """Write a work's lineage as W3C PROV-JSON."""
        state = state_of(ctx)
        ledger = state.ledger
        written = write_provenance(
            state.lineage, ledger.find_work(work), output, as_of=_position(ledger, as_of)
        )
        typer.echo(f"wrote PROV-JSON to {written}")

    @production.command("policy")
    def production_policy(
        ctx: typer.Context,
        production_ref: str = typer.Argument(..., metavar="PRODUCTION"),
        policy: str = typer.Argument(..., help=", ".join(POLICIES)),
        param: list[str] = typer.Option([], "--param", help="A policy parameter, e.g. r=1/3."),
        pool_percent: str = typer.Option(
            "50", "--pool-percent", help="Percent of revenue for contributors."
        ),
        weight: list[str] = typer.Option(
            [], "--weight", help="WORK=WEIGHT; give every included work one."
        ),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
    ) -> None:
        """Choose the production's royalty policy, contributor pool and work weights."""
        ledger = state_of(ctx).ledger
        params = parse_params(param)
        chosen = policy_from_name(
            policy, **params
        )  # refuse unknown policies and bad parameters now
        weights = {
            ledger.find_work(w): _decimal(v, "--weight") for w, v in (parse_params(weight)).items()
        } or None
        recorded = ledger.choose_policy(
            ledger.find_production(production_ref),
            chosen.name,
            params=params,
            pool_percent=_decimal(pool_percent, "--pool-percent"),
            weights=weights,
            actor_id=_actor(ledger, acting),
        )
        _report(f"chose {chosen} for production", recorded)

    @production.command("waive")
    def production_waive(
        ctx: typer.Context,
        production_ref: str = typer.Argument(..., metavar="PRODUCTION"),
        member: str = typer.Option(..., "--member", help="The member who waives their share."),
        acting: str | None = typer.Option(None, "--as", help=AS_HELP),
        at: str | None = typer.Option(None, "--at", help=AT_HELP),
    ) -> None:
        """A member waives their share of the production's future statements."""
        from service.cli.context import parse_when

        ledger = state_of(ctx).ledger
        recorded = ledger.waive_share(
            ledger.find_production(production_ref),
            ledger.find_member(member),
            actor_id=_actor(ledger, acting),
            occurred_at=parse_when(at),
        )
        _report("waived a share of production", recorded)


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidValueError(f"{what} {text!r} is not a number") from None
    return value
