"""Use cases of Community Payment Proposals that need the lineage graph.

Drafting takes a payment's lines from today's statement engine (the payment's
statement, its exact shares and explanations) over what the payment made
available after costs; revising computes the new lines here, with the rounding
the statements use, and the ledger records them if they still fit the pool and
the proposal is still at the version they were computed from.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any
from uuid import UUID

from ledger import Ledger, Money, Recorded
from ledger.domain.errors import InvalidValueError
from ledger.domain.pools import parse_payment
from ledger.domain.proposal import Proposal
from lineage.graph import LineageGraph
from lineage.proposal_lines import (
    apply_revision,
    base_lines,
    override_share,
    parse_role_credit,
    return_share,
    role_credit,
)
from lineage.royalties import policy_of, statement_for_revenue
from lineage.statements import Statement, royalty_statement

__all__ = [
    "adjust_proposal",
    "draft_proposal",
    "lines_from_lineage",
    "recompute_proposal",
    "recomputed_lines",
]


def _today(lineage: LineageGraph, production_id: UUID, amount: Money) -> Statement:
    """The statement of ``amount`` over the lineage as it is now (citations recorded
    since a payment included), under the production's present settings."""
    state = lineage.production(production_id)
    weights = None if state.weights is None else {w: Fraction(v) for w, v in state.weights.items()}
    return royalty_statement(
        lineage,
        production_id,
        amount,
        policy_of(state),
        pool_percent=Fraction(1),
        weights=weights,
        waived=frozenset(state.waived),
    )


def lines_from_lineage(
    ledger: Ledger, lineage: LineageGraph, production_id: UUID, payment: str, *, today: bool
) -> list[dict[str, Any]]:
    """The base lines of ``payment``: the payment's own statement (``today`` False,
    as the production stood when the money came in) or the lineage as it is now."""
    kind, number = parse_payment(payment)
    pool = ledger.production(production_id).pool_for(payment)
    if pool is None:
        raise InvalidValueError(f"nothing of {payment} is left after the costs")
    if kind == "revenue" and not today:
        statement = statement_for_revenue(lineage, production_id, number)
    else:
        statement = _today(lineage, production_id, Money(max(pool.minor_units, 1), pool.currency))
    data = statement.as_dict()["lines"]
    shares = {line.member_id: line.share for line in statement.lines}
    explanations = {line.member_id: data[i]["sources"] for i, line in enumerate(statement.lines)}
    return base_lines(shares, explanations, pool.minor_units)


def draft_proposal(
    ledger: Ledger,
    lineage: LineageGraph,
    production_id: UUID,
    payment: str,
    *,
    actor_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> Recorded:
    """Draft the proposal of ``payment`` from today's statement for it."""
    lines = lines_from_lineage(ledger, lineage, production_id, payment, today=False)
    return ledger.draft_proposal(
        production_id, payment, lines, actor_id=actor_id, occurred_at=occurred_at
    )


def adjust_proposal(
    ledger: Ledger,
    proposal_id: UUID,
    *,
    role_credit_text: str | None = None,
    return_member: str | None = None,
    override_text: str | None = None,
    reason: str,
    actor_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> Recorded:
    """One revision: a role credit (``Editors=5:ann,bo``), a share returned (a
    member), or an override (``MEMBER=PERCENT``); members by handle or id."""
    given = [x for x in (role_credit_text, return_member, override_text) if x is not None]
    if len(given) != 1:
        raise InvalidValueError("give exactly one of a role credit, a returned share, an override")
    proposal = ledger.proposal(proposal_id)
    lines, pool = proposal.lines, proposal.pool_minor
    if role_credit_text is not None:
        role, percent, names = parse_role_credit(role_credit_text)
        members = [str(ledger.find_member(name)) for name in names]
        kind = "role_credit"
        change: dict[str, Any] = {
            "role": role,
            "percent": _n_d(percent * 100),
            "members": members,
        }
        new = role_credit(lines, pool, role, percent, members)
    elif return_member is not None:
        member = str(ledger.find_member(return_member))
        kind, change = "return_share", {"member_id": member}
        new = return_share(lines, pool, member)
    else:
        assert override_text is not None
        name, _, percent_text = override_text.rpartition("=")
        try:
            percent = Fraction(percent_text.strip())
        except (ValueError, ZeroDivisionError):
            raise InvalidValueError(
                f"an override is MEMBER=PERCENT, not {override_text!r}"
            ) from None
        member = str(ledger.find_member(name))
        kind, change = "override", {"member_id": member, "percent": _n_d(percent)}
        new = override_share(lines, pool, member, percent / 100)
    return ledger.revise_proposal(
        proposal_id,
        kind=kind,
        reason=reason,
        change=change,
        lines=new,
        based_on_version=proposal.version_number,
        actor_id=actor_id,
        occurred_at=occurred_at,
    )


def recompute_proposal(
    ledger: Ledger,
    lineage: LineageGraph,
    proposal_id: UUID,
    *,
    reason: str,
    actor_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> Recorded:
    """New base lines from the lineage as it is now, the other revisions re-applied in order."""
    proposal = ledger.proposal(proposal_id)
    lines, change = recomputed_lines(ledger, lineage, proposal)
    return ledger.revise_proposal(
        proposal_id,
        kind="recompute",
        reason=reason,
        change=change,
        lines=lines,
        based_on_version=proposal.version_number,
        actor_id=actor_id,
        occurred_at=occurred_at,
    )


def recomputed_lines(
    ledger: Ledger, lineage: LineageGraph, proposal: Proposal
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A recompute's lines and change, computed but not recorded: a server computes
    them within its lineage budget and records them only if they came in time."""
    lines = lines_from_lineage(
        ledger, lineage, proposal.production_id, proposal.payment, today=True
    )
    change = {"reapplied": [v["version"] for v in proposal.versions if _reapplied(v)]}
    return reapply(proposal, lines), change


def reapply(proposal: Proposal, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for version in proposal.versions:
        if _reapplied(version):
            lines = apply_revision(lines, proposal.pool_minor, version["kind"], version["change"])
    return lines


def _reapplied(version: dict[str, Any]) -> bool:
    return version["kind"] in ("role_credit", "return_share", "override")


def _n_d(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"
