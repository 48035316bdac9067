"""The demo's Community Payment Proposal: one whole cycle, backdated so its window closed.

A budget for the published book, its proposal drafted from today's lineage, a role
credit, the comment window opened, an objection and its answer, the final decision,
and a payout file. Each step is taken only if the proposal has not passed it yet, so
a second run records nothing and a run cut short is finished by the next.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from ledger import Money
from ledger.adapters.contacts import open_contacts
from ledger.domain.proposal import Proposal
from ledger.domain.proposal_rules import MIN_WINDOW_DAYS, proposal_id_for

if TYPE_CHECKING:
    from service.cli.context import CliState

__all__ = ["DemoProposal", "demo_proposal", "final_lines_text"]

BUDGET = "2000"
PAYMENT = "budget:1"
EDITORS = ("quietfox", "sketchpilot")
OBJECTOR = "paper-moth"
# Sample payout addresses (the contacts table, never the log): for `proposal payouts`.
CONTACTS = {
    "nightowl_notes": "nightowl@example.org",
    "minuteman_mo": "mo@example.org",
    "paper-moth": "moth@example.org",
}


def _at(day: int) -> datetime:
    """A day of January 2013, after the sample's last event."""
    return datetime(2013, 1, day, 12, tzinfo=UTC)


@dataclass(frozen=True)
class DemoProposal:
    proposal: Proposal
    production_title: str
    handles: Mapping[str, str]
    payouts_path: Path


def demo_proposal(state: CliState, production_id: UUID, payouts_path: Path) -> DemoProposal:
    """Run (or finish) the demo's proposal cycle and write its payout file."""
    from lineage.proposals import adjust_proposal, draft_proposal

    ledger, lineage = state.ledger, state.lineage
    production = ledger.production(production_id)
    curator = production.curator_id
    if not production.budgets:
        ledger.record_budget(
            production_id,
            Money.parse(BUDGET, "USD"),
            description="the book's illustrated reprint",
            actor_id=curator,
            occurred_at=_at(1),
        )
        lineage.catch_up(ledger)
    proposal_id = proposal_id_for(production_id, PAYMENT, 1)
    if not isinstance(ledger.record(proposal_id), Proposal):
        draft_proposal(
            ledger, lineage, production_id, PAYMENT, actor_id=curator, occurred_at=_at(2)
        )
    proposal = ledger.proposal(proposal_id)
    if proposal.state == "draft" and proposal.version_number == 1:
        adjust_proposal(
            ledger,
            proposal_id,
            role_credit_text=f"Editors=5:{','.join(EDITORS)}",
            reason="five percent to the book's two editors",
            actor_id=curator,
            occurred_at=_at(2),
        )
    if ledger.proposal(proposal_id).state == "draft":
        ledger.open_proposal(
            proposal_id, window_days=MIN_WINDOW_DAYS, actor_id=curator, occurred_at=_at(3)
        )
    if ledger.proposal(proposal_id).state == "open" and not ledger.proposal(proposal_id).objections:
        ledger.object_to_proposal(
            proposal_id,
            kind="too_little",
            text="My illustrations carry half the book.",
            line_member_id=ledger.find_member(OBJECTOR),
            actor_id=ledger.find_member(OBJECTOR),
            occurred_at=_at(5),
        )
    for objection_id in ledger.proposal(proposal_id).unanswered:
        ledger.answer_objection(
            proposal_id,
            objection_id,
            decision="declined",
            reason="every share follows the lineage; the editors' credit is the only change",
            actor_id=curator,
            occurred_at=_at(6),
        )
    if ledger.proposal(proposal_id).state == "open":
        ledger.finalize_proposal(proposal_id, actor_id=curator, occurred_at=_at(20))
    proposal = ledger.proposal(proposal_id)
    handles = {
        line["member_id"]: ledger.member(UUID(line["member_id"])).handle for line in proposal.lines
    }
    _set_contacts(state)
    _write_payouts(state, proposal, payouts_path)
    return DemoProposal(proposal, production.title, handles, payouts_path)


def _set_contacts(state: CliState) -> None:
    """A few sample payout addresses (setting the same values again changes nothing)."""
    store = open_contacts(state.setting)
    try:
        for handle, email in CONTACTS.items():
            member_id = state.ledger.find_member(handle)
            store.set(member_id, {"email": email, "paypal_email": email})
    finally:
        store.close()


def _write_payouts(state: CliState, proposal: Proposal, path: Path) -> None:
    """The final amounts as the csv payout file (lineage.payout_files' writer)."""
    from lineage.payout_files import Payee, payout_files, plan_payouts

    ledger = state.ledger
    payees = {
        line["member_id"]: Payee(member.handle, member.name)
        for line in proposal.lines
        for member in [ledger.member(UUID(line["member_id"]))]
    }
    plan = plan_payouts(
        proposal.lines,
        proposal_id=proposal.id,
        currency=proposal.currency,
        output_format="csv",
        contacts={},
        payees=payees,
    )
    (text,) = payout_files(plan)
    path.write_text(text, encoding="utf-8", newline="")


def final_lines_text(shown: DemoProposal) -> str:
    """The Final Community Payments, one line a payee line."""
    from lineage.statements import format_minor

    proposal = shown.proposal
    currency = proposal.currency
    closes = "" if proposal.closes_at is None else f", window closed {proposal.closes_at:%Y-%m-%d}"
    rows: list[str] = [
        f"Final Community Payments for budget #1 of {shown.production_title!r}:"
        f" {format_minor(proposal.pool_minor, currency)} {currency}, {proposal.state}"
        f" at version {proposal.final_version}{closes};"
        f" {len(proposal.objections)} objection(s), each answered"
    ]
    for line in proposal.lines:
        role = f" ({line['role']})" if line["role"] else ""
        amount = format_minor(line["amount_minor"], currency)
        rows.append(f"  {amount:>10} {currency}  @{shown.handles[line['member_id']]}{role}")
    return "\n".join(rows)
