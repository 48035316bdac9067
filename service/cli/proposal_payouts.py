"""``proposal payouts``, ``proposal outcome`` and ``member balance``: paying out.

``proposal payouts P --format csv|paypal|wise -o FILE [--minimum AMOUNT]`` writes
the final lines (``service.cli.payouts``) from the members' balances as they stood
(``lineage.proposal_payouts``), and once the file is renamed into place records in
one transaction what it carried and drew. ``proposal outcome P MEMBER --outcome
sent|paid|failed|unclaimed|returned --reference REF`` records the provider's word.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import typer

from ledger import Ledger
from ledger.adapters.contacts import open_contacts
from ledger.domain.errors import InvalidValueError, ReadOnlyLedgerError
from ledger.domain.values import Money
from lineage.payout_files import Payee, PayoutPlan, format_minor
from lineage.proposal_payouts import member_balances, paid_amount, prior_records
from service.cli.acts import ActingOption, AtOption, FormatOption, report
from service.cli.context import Format, emit_json, parse_when, recording, state_of
from service.cli.payouts import payouts_command

__all__ = ["register"]


def _proposal_id(reference: str) -> UUID:
    try:
        return UUID(reference.strip())
    except ValueError:
        raise InvalidValueError(f"{reference!r} is not a proposal id") from None


def _actor(ledger: Ledger, reference: str | None) -> UUID | None:
    return None if reference is None else ledger.find_member(reference)


def _member_group(app: typer.Typer) -> typer.Typer:
    return next(
        group.typer_instance
        for group in app.registered_groups
        if group.name == "member" and group.typer_instance is not None
    )


def register(app: typer.Typer, proposal: typer.Typer) -> None:
    @proposal.command("payouts")
    def payouts(
        ctx: typer.Context,
        proposal_ref: str = typer.Argument(..., metavar="P"),
        output_format: str = typer.Option(..., "--format", help="csv, paypal or wise."),
        out: Path = typer.Option(..., "-o", "--output", help="The file to write."),
        minimum: str | None = typer.Option(
            None, "--minimum", help="Carry smaller amounts to the member's balance."
        ),
        acting: ActingOption = None,
        at: AtOption = None,
        json_output: bool = typer.Option(False, "--json", help="Report as JSON."),
    ) -> None:
        """Write a final proposal's payout file(s); record what was carried and drawn."""
        state = state_of(ctx)
        if state.refusal is not None:
            raise ReadOnlyLedgerError(state.refusal)
        ledger = recording(ctx)
        proposal = ledger.proposal(_proposal_id(proposal_ref))
        proposal.check_state("be paid out", "final")
        actor_id = _actor(ledger, acting)
        when = parse_when(at)
        prior = prior_records(ledger.all_proposals(), proposal)
        payees = {}
        for line in proposal.lines:
            member = ledger.member(UUID(line["member_id"]))
            payees[line["member_id"]] = Payee(str(member.handle), str(member.name))
        store = open_contacts(state.setting)
        try:
            contacts = store.all()
        finally:
            store.close()

        def record(plan: PayoutPlan) -> None:
            ledger.record_payout_plan(
                proposal.id,
                [(UUID(r.member_id), r.amount_minor, r.outcome) for r in plan.records],
                actor_id=actor_id,
                occurred_at=when,
            )

        payouts_command(
            proposal.lines,
            contacts,
            proposal_id=proposal.id,
            currency=proposal.currency,
            output_format=output_format,
            out=out,
            payees=payees,
            prior=prior,
            minimum=minimum,
            shown_as=Format.json if json_output else Format.text,
            written=record,
        )

    @proposal.command("outcome")
    def outcome(
        ctx: typer.Context,
        proposal_ref: str = typer.Argument(..., metavar="P"),
        member_ref: str = typer.Argument(..., metavar="MEMBER"),
        outcome: str = typer.Option(
            ..., "--outcome", help="sent, paid, failed, unclaimed or returned."
        ),
        reference: str = typer.Option(..., "--reference", help="The provider's reference."),
        amount: str | None = typer.Option(
            None, "--amount", help="The amount (default: what the payout file paid them)."
        ),
        acting: ActingOption = None,
        at: AtOption = None,
        output_format: FormatOption = Format.text,
    ) -> None:
        """Record a payee's payout outcome; failed, unclaimed, returned go back to the balance."""
        ledger = recording(ctx)
        proposal = ledger.proposal(_proposal_id(proposal_ref))
        member_id = ledger.find_member(member_ref)
        amount_minor = (
            paid_amount(proposal, member_id)
            if amount is None
            else Money.parse(amount, proposal.currency).minor_units
        )
        recorded = ledger.record_payout_outcome(
            proposal.id,
            member_id,
            outcome=outcome,
            reference=reference,
            amount_minor=amount_minor,
            actor_id=_actor(ledger, acting),
            occurred_at=parse_when(at),
        )
        report(ledger, f"recorded payout {outcome} on proposal", recorded, output_format)

    @_member_group(app).command("balance")
    def member_balance(
        ctx: typer.Context,
        member_ref: str | None = typer.Argument(None, metavar="[MEMBER]"),
        output_format: FormatOption = Format.text,
    ) -> None:
        """A member's payout balance (every member's, without MEMBER), by currency."""
        ledger = state_of(ctx).ledger
        wanted = None if member_ref is None else str(ledger.find_member(member_ref))
        shown = [
            {
                "id": member,
                "handle": str(ledger.member(UUID(member)).handle),
                "currency": currency,
                "balance": format_minor(amount, currency),
                "balance_minor": amount,
            }
            for currency, owed in sorted(member_balances(ledger).items())
            for member, amount in sorted(owed.items())
            if wanted is None or member == wanted
        ]
        if output_format is Format.json:
            emit_json(shown if wanted is None else {"id": wanted, "balances": shown})
            return
        if not shown:
            typer.echo("no balance" if wanted is not None else "no balances")
        for item in shown:
            typer.echo(f"{item['handle']}: {item['balance']} {item['currency']}")
