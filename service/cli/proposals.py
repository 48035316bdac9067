"""``remix-ledger proposal ...``: Community Payment Proposals; ``production cost|budget``.

Each command parses its input, calls one use case (``lineage.proposals`` where the
lineage graph is needed, else the ledger's command) and reports; the rules are the
ledger's. ``REMIX_LEDGER_PROPOSAL_WINDOW_DAYS`` sets the deployment's minimum
comment window (never below 14 days).
"""

from __future__ import annotations

import os
from typing import Any
from uuid import UUID

import typer

from ledger import Ledger, Money
from ledger.domain.currencies import format_minor
from ledger.domain.errors import InvalidValueError
from ledger.domain.proposal import Proposal
from ledger.domain.proposal_rules import MIN_WINDOW_DAYS
from service.cli.acts import ActingOption, AtOption, FormatOption, report
from service.cli.context import Format, emit_json, parse_when, recording, state_of
from service.cli.proposal_payouts import register as register_payouts

__all__ = ["register"]

WINDOW_SETTING = "REMIX_LEDGER_PROPOSAL_WINDOW_DAYS"


def _actor(ledger: Ledger, reference: str | None) -> UUID | None:
    return None if reference is None else ledger.find_member(reference)


def _proposal_id(reference: str) -> UUID:
    try:
        return UUID(reference.strip())
    except ValueError:
        raise InvalidValueError(f"{reference!r} is not a proposal id") from None


def _minimum_days() -> int:
    text = os.environ.get(WINDOW_SETTING, "").strip()
    if not text:
        return MIN_WINDOW_DAYS
    if not text.isdigit():
        raise InvalidValueError(f"{WINDOW_SETTING} is a whole number of days, not {text!r}")
    return max(MIN_WINDOW_DAYS, int(text))


def proposal_dict(ledger: Ledger, proposal: Proposal, version: int | None) -> dict[str, Any]:
    shown = proposal.version_at(version or proposal.version_number)

    def handle(member_id: str) -> str:
        return str(ledger.member(UUID(member_id)).handle)

    return {
        "id": str(proposal.id),
        "production": str(proposal.production_id),
        "payment": proposal.payment,
        "state": proposal.state,
        "currency": proposal.currency,
        "pool_minor": proposal.pool_minor,
        "window_days": proposal.window_days,
        "closes_at": None if proposal.closes_at is None else proposal.closes_at.isoformat(),
        "version": shown["version"],
        "versions": [
            {k: v[k] for k in ("version", "kind", "reason", "change", "actor_id", "occurred_at")}
            for v in proposal.versions
        ],
        "lines": [{**line, "handle": handle(line["member_id"])} for line in shown["lines"]],
        "comments": proposal.comments,
        "objections": list(proposal.objections.values()),
        "final_version": proposal.final_version,
        "statement_position": proposal.statement_position,
        "cancel_reason": proposal.cancel_reason,
        "payouts": proposal.payouts,
    }


def _show_text(data: dict[str, Any]) -> None:
    closes = data["closes_at"] or "not open yet"
    typer.echo(
        f"proposal {data['id']} for {data['payment']}: {data['state']},"
        f" version {data['version']}, window closes {closes}"
    )
    currency = data["currency"]
    for line in data["lines"]:
        role = f" ({line['role']})" if line["role"] else ""
        amount = format_minor(line["amount_minor"], currency)
        typer.echo(f"  {line['handle']}{role}: {amount} {currency} (share {line['share']})")
    for version in data["versions"][1:]:
        typer.echo(f"  v{version['version']} {version['kind']}: {version['reason']}")
    for objection in data["objections"]:
        answer = objection["answer"]
        said = "unanswered" if answer is None else f"{answer['decision']}: {answer['reason']}"
        typer.echo(
            f"  objection {objection['id']} ({objection['kind']}): {objection['text']} [{said}]"
        )


def register(app: typer.Typer, production_app: typer.Typer) -> None:
    proposal = typer.Typer(
        help="Community Payment Proposals: draft, revise, open, answer, finalize.",
        no_args_is_help=True,
    )
    app.add_typer(proposal, name="proposal")
    register_payouts(app, proposal)

    @proposal.command("draft")
    def draft(
        ctx: typer.Context,
        production_ref: str = typer.Argument(..., metavar="PRODUCTION"),
        revenue: int | None = typer.Option(None, "--revenue", min=1, help="Revenue payment #N."),
        budget: int | None = typer.Option(None, "--budget", min=1, help="Budget #N."),
        acting: ActingOption = None,
        at: AtOption = None,
        output_format: FormatOption = Format.text,
    ) -> None:
        """Draft the proposal of one payment from today's statement for it."""
        if (revenue is None) == (budget is None):
            raise InvalidValueError("give --revenue N or --budget N")
        payment = f"revenue:{revenue}" if revenue is not None else f"budget:{budget}"
        ledger = recording(ctx)
        production_id = ledger.find_production(production_ref)
        from lineage.proposals import draft_proposal  # loads networkx: only here

        recorded = draft_proposal(
            ledger,
            state_of(ctx).lineage,
            production_id,
            payment,
            actor_id=_actor(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "drafted proposal", recorded, output_format)

    @proposal.command("adjust")
    def adjust(
        ctx: typer.Context,
        proposal_ref: str = typer.Argument(..., metavar="P"),
        role_credit: str | None = typer.Option(
            None, "--role-credit", help="ROLE=PERCENT:MEMBER[,MEMBER...]"
        ),
        return_share: str | None = typer.Option(None, "--return-share", metavar="MEMBER"),
        override: str | None = typer.Option(None, "--override", metavar="MEMBER=PERCENT"),
        reason: str = typer.Option(..., "--reason"),
        acting: ActingOption = None,
        at: AtOption = None,
        output_format: FormatOption = Format.text,
    ) -> None:
        """Revise the lines: a role credit, a share returned, or an override."""
        ledger = recording(ctx)
        from lineage.proposals import adjust_proposal  # loads networkx: only here

        recorded = adjust_proposal(
            ledger,
            _proposal_id(proposal_ref),
            role_credit_text=role_credit,
            return_member=return_share,
            override_text=override,
            reason=reason,
            actor_id=_actor(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "revised proposal", recorded, output_format)

    @proposal.command("recompute")
    def recompute(
        ctx: typer.Context,
        proposal_ref: str = typer.Argument(..., metavar="P"),
        reason: str = typer.Option(..., "--reason"),
        acting: ActingOption = None,
        at: AtOption = None,
        output_format: FormatOption = Format.text,
    ) -> None:
        """New lines from the lineage as it is now, the other revisions re-applied."""
        ledger = recording(ctx)
        from lineage.proposals import recompute_proposal  # loads networkx: only here

        recorded = recompute_proposal(
            ledger,
            state_of(ctx).lineage,
            _proposal_id(proposal_ref),
            reason=reason,
            actor_id=_actor(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "recomputed proposal", recorded, output_format)

    @proposal.command("open")
    def open_(
        ctx: typer.Context,
        proposal_ref: str = typer.Argument(..., metavar="P"),
        window_days: int | None = typer.Option(None, "--window-days", min=1),
        acting: ActingOption = None,
        at: AtOption = None,
        output_format: FormatOption = Format.text,
    ) -> None:
        """Open the comment window (14 days, or the deployment's longer minimum)."""
        ledger = recording(ctx)
        minimum = _minimum_days()
        recorded = ledger.open_proposal(
            _proposal_id(proposal_ref),
            window_days=minimum if window_days is None else window_days,
            minimum_days=minimum,
            actor_id=_actor(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "opened proposal", recorded, output_format)

    @proposal.command("comment")
    def comment(
        ctx: typer.Context,
        proposal_ref: str = typer.Argument(..., metavar="P"),
        text: str = typer.Argument(...),
        acting: ActingOption = None,
        at: AtOption = None,
        output_format: FormatOption = Format.text,
    ) -> None:
        """Comment on an open proposal."""
        ledger = recording(ctx)
        recorded = ledger.comment_on_proposal(
            _proposal_id(proposal_ref),
            text,
            actor_id=_actor(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "commented on proposal", recorded, output_format)

    @proposal.command("object")
    def object_(
        ctx: typer.Context,
        proposal_ref: str = typer.Argument(..., metavar="P"),
        kind: str = typer.Option(..., "--kind", help="left-out, too-much, too-little or other."),
        text: str = typer.Option(..., "--text"),
        line: str | None = typer.Option(None, "--line", metavar="MEMBER"),
        acting: ActingOption = None,
        at: AtOption = None,
        output_format: FormatOption = Format.text,
    ) -> None:
        """Object to a line or to the whole proposal."""
        ledger = recording(ctx)
        recorded = ledger.object_to_proposal(
            _proposal_id(proposal_ref),
            kind=kind.replace("-", "_"),
            text=text,
            line_member_id=None if line is None else ledger.find_member(line),
            actor_id=_actor(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "objected to proposal", recorded, output_format)

    @proposal.command("answer")
    def answer(
        ctx: typer.Context,
        proposal_ref: str = typer.Argument(..., metavar="P"),
        objection: str = typer.Argument(..., metavar="OBJECTION"),
        accept: bool = typer.Option(False, "--accept"),
        decline: bool = typer.Option(False, "--decline"),
        reason: str = typer.Option(..., "--reason"),
        acting: ActingOption = None,
        at: AtOption = None,
        output_format: FormatOption = Format.text,
    ) -> None:
        """Answer an objection: accept or decline, with a reason."""
        if accept == decline:
            raise InvalidValueError("give --accept or --decline")
        ledger = recording(ctx)
        recorded = ledger.answer_objection(
            _proposal_id(proposal_ref),
            objection,
            decision="accepted" if accept else "declined",
            reason=reason,
            actor_id=_actor(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "answered objection on proposal", recorded, output_format)

    @proposal.command("finalize")
    def finalize(
        ctx: typer.Context,
        proposal_ref: str = typer.Argument(..., metavar="P"),
        acting: ActingOption = None,
        at: AtOption = None,
        output_format: FormatOption = Format.text,
    ) -> None:
        """Make the proposal final and issue its statement (the Final Community Payments)."""
        ledger = recording(ctx)
        recorded = ledger.finalize_proposal(
            _proposal_id(proposal_ref), actor_id=_actor(ledger, acting), occurred_at=parse_when(at)
        )
        report(ledger, "finalized proposal", recorded, output_format)

    @proposal.command("cancel")
    def cancel(
        ctx: typer.Context,
        proposal_ref: str = typer.Argument(..., metavar="P"),
        reason: str = typer.Option(..., "--reason"),
        acting: ActingOption = None,
        at: AtOption = None,
        output_format: FormatOption = Format.text,
    ) -> None:
        """Cancel a draft or open proposal, with a reason."""
        ledger = recording(ctx)
        recorded = ledger.cancel_proposal(
            _proposal_id(proposal_ref),
            reason=reason,
            actor_id=_actor(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "cancelled proposal", recorded, output_format)

    @proposal.command("show")
    def show(
        ctx: typer.Context,
        proposal_ref: str = typer.Argument(..., metavar="P"),
        version: int | None = typer.Option(None, "--version", min=1),
        as_of: str | None = typer.Option(
            None, "--as-of", help="A past position or time: the proposal as it stood then."
        ),
        output_format: FormatOption = Format.text,
    ) -> None:
        """A proposal: its state, window, lines (of version N), versions and objections."""
        from ledger.application.proposal_as_of import proposal_as_of
        from service.cli.views import as_of_position

        ledger = state_of(ctx).ledger
        proposal_id = _proposal_id(proposal_ref)
        position = as_of_position(ledger, as_of)
        found = (
            ledger.proposal(proposal_id)
            if position is None
            else proposal_as_of(ledger, proposal_id, position)
        )
        data = proposal_dict(ledger, found, version)
        if output_format is Format.json:
            emit_json(data)
        else:
            _show_text(data)

    @proposal.command("list")
    def list_(
        ctx: typer.Context,
        production_ref: str | None = typer.Argument(None, metavar="[PRODUCTION]"),
        output_format: FormatOption = Format.text,
    ) -> None:
        """The proposals of a production (of every production, without PRODUCTION)."""
        ledger = state_of(ctx).ledger
        listed = (
            ledger.all_proposals()
            if production_ref is None
            else ledger.proposals_of(ledger.production(ledger.find_production(production_ref)))
        )
        found = [
            {
                "id": str(p.id),
                "production": str(p.production_id),
                "payment": p.payment,
                "state": p.state,
                "version": p.version_number,
            }
            for p in listed
        ]
        if output_format is Format.json:
            emit_json(found)
            return
        for item in found:
            typer.echo(f"{item['id']} {item['payment']} {item['state']} v{item['version']}")

    # As `production revenue`: a negative amount ("-100") is an argument, refused with
    # the rule's own words, not an unknown option.
    @production_app.command("cost", context_settings={"ignore_unknown_options": True})
    def production_cost(
        ctx: typer.Context,
        production_ref: str = typer.Argument(..., metavar="PRODUCTION"),
        amount: str = typer.Argument(..., help='A positive decimal amount, e.g. "1234.56".'),
        description: str = typer.Option(..., "--description"),
        currency: str = typer.Option("USD", help="ISO 4217 code."),
        acting: ActingOption = None,
        at: AtOption = None,
        output_format: FormatOption = Format.text,
    ) -> None:
        """Record a cost, recovered from the revenue recorded after it."""
        ledger = recording(ctx)
        recorded = ledger.record_cost(
            ledger.find_production(production_ref),
            Money.parse(amount, currency),
            description=description,
            actor_id=_actor(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "recorded cost for production", recorded, output_format)

    @production_app.command("budget", context_settings={"ignore_unknown_options": True})
    def production_budget(
        ctx: typer.Context,
        production_ref: str = typer.Argument(..., metavar="PRODUCTION"),
        amount: str = typer.Argument(..., help='A positive decimal amount, e.g. "50000".'),
        description: str = typer.Option(..., "--description"),
        currency: str = typer.Option("USD", help="ISO 4217 code."),
        acting: ActingOption = None,
        at: AtOption = None,
        output_format: FormatOption = Format.text,
    ) -> None:
        """Record a budget: a fixed pool, proposed with ``proposal draft --budget N``."""
        ledger = recording(ctx)
        recorded = ledger.record_budget(
            ledger.find_production(production_ref),
            Money.parse(amount, currency),
            description=description,
            actor_id=_actor(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, "recorded budget for production", recorded, output_format)
