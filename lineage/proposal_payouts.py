"""Paying out final proposals: members' balances across proposals, and what a payout
file for one proposal starts from.

Balances are kept as the proposals' own ``PayoutRecorded`` events (no record of
their own): ``carried`` and ``drawn`` when a payout file is written, the provider's
outcomes after. A member's balance in a currency is ``lineage.payout_balances`` over
every such record of that currency's proposals.

A payout file for proposal P starts from the balances as they stood when P's first
file was written (every other proposal's records dated before P's first ``carried``
or ``drawn``; all of them if there is none yet), never from P's own records: so a
file written again, after a crash or by choice, is the same file, and recording its
balance changes again is a no-op (``Ledger.record_payout_plan``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from ledger import Ledger
from ledger.domain.errors import InvalidValueError
from ledger.domain.proposal import Proposal
from ledger.domain.proposal_rules import PLAN_OUTCOMES
from lineage.payout_balances import PayoutRecord, balances

__all__ = ["member_balances", "paid_amount", "prior_records", "records_of"]


def records_of(proposal: Proposal) -> list[PayoutRecord]:
    return [
        PayoutRecord(record["member_id"], record["amount_minor"], record["outcome"])
        for record in proposal.payouts
    ]


def _planned_at(proposal: Proposal) -> datetime | None:
    planned = [
        datetime.fromisoformat(record["occurred_at"])
        for record in proposal.payouts
        if record["outcome"] in PLAN_OUTCOMES
    ]
    return min(planned) if planned else None


def prior_records(proposals: Iterable[Proposal], proposal: Proposal) -> list[PayoutRecord]:
    """The records a payout file for ``proposal`` starts from (see the module)."""
    since = _planned_at(proposal)
    prior: list[PayoutRecord] = []
    for other in proposals:
        if other.id == proposal.id or other.currency != proposal.currency:
            continue
        for record in other.payouts:
            if since is None or datetime.fromisoformat(record["occurred_at"]) < since:
                prior.append(
                    PayoutRecord(record["member_id"], record["amount_minor"], record["outcome"])
                )
    return prior


def member_balances(ledger: Ledger) -> dict[str, dict[str, int]]:
    """Every member's balance now, by currency: ``{currency: {member id: minor}}``."""
    by_currency: dict[str, list[PayoutRecord]] = {}
    for proposal in ledger.all_proposals():
        by_currency.setdefault(proposal.currency, []).extend(records_of(proposal))
    found = {currency: balances(records) for currency, records in by_currency.items()}
    return {currency: owed for currency, owed in found.items() if owed}


def paid_amount(proposal: Proposal, member_id: UUID) -> int:
    """What the member's row of ``proposal``'s payout file paid: their lines plus the
    balance drawn with them (refused if it was carried to their balance)."""
    member = str(member_id)
    outcomes = {r["outcome"] for r in proposal.payouts if r["member_id"] == member}
    if "carried" in outcomes:
        raise InvalidValueError("that member's line was carried to their balance, not paid")
    drawn = sum(
        r["amount_minor"]
        for r in proposal.payouts
        if r["member_id"] == member and r["outcome"] == "drawn"
    )
    lines = sum(line["amount_minor"] for line in proposal.lines if line["member_id"] == member)
    if lines + drawn <= 0:
        raise InvalidValueError("the final proposal paid that member nothing")
    return int(lines + drawn)
