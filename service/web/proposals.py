"""The proposal page, and the proposal parts of the member and production pages.

A Community Payment Proposal as it stands: its state, the window's close and how
long is left, the lines of its last version with their explanations (role credits
among them), every version with its reason and change, comments, and objections
with their answers. Read from the ledger's Proposal records, as the API reads them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ledger import Ledger
from ledger.domain.currencies import format_minor
from ledger.domain.errors import LedgerError
from ledger.domain.proposal import Proposal
from ledger.domain.proposal_errors import UnknownProposalError
from lineage.payout_balances import balances
from service.web.deps import ServicesDep
from service.web.errors import PageRoute
from service.web.templating import render_page

__all__ = ["member_proposals", "production_proposals", "router"]

router = APIRouter(route_class=PageRoute)

_DRAFTED = get_topic(Proposal.Drafted)
#: The most proposals a member page looks through (the first drafted).
SCANNED = 2000


@router.get("/proposals/{proposal}", response_class=HTMLResponse, include_in_schema=False)
def proposal_page(request: Request, proposal: str, services: ServicesDep) -> HTMLResponse:
    ledger = services.ledger
    try:
        found = ledger.proposal(UUID(proposal.strip()))
    except ValueError:
        raise UnknownProposalError(f"{proposal!r} is not a proposal id") from None
    production = ledger.production(found.production_id)
    handles = _Handles(ledger)
    return render_page(
        request,
        "proposal.html",
        title=f"Payment proposal for {production.title}, {found.payment}",
        proposal=_view(found, handles),
        production={"id": str(production.id), "title": production.title},
    )


class _Handles:
    """Members' handles, each read once per page."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._known: dict[str, str] = {}

    def __call__(self, member_id: str | None) -> str:
        if member_id is None:
            return "(the operator)"
        if member_id not in self._known:
            try:
                self._known[member_id] = str(self._ledger.member(UUID(member_id)).handle)
            except (LedgerError, ValueError):
                self._known[member_id] = member_id
        return self._known[member_id]


def _left(closes_at: datetime | None, state: str) -> str:
    if closes_at is None:
        return "the window is not open yet"
    remaining = closes_at - datetime.now(UTC)
    if state != "open":
        return f"the window closed on {closes_at:%Y-%m-%d}"
    if remaining.total_seconds() <= 0:
        return "the window has closed; the proposal can be finalized"
    days, seconds = remaining.days, remaining.seconds
    return f"{days} day{'s' if days != 1 else ''} and {seconds // 3600} hours left"


def _line(line: dict[str, Any], currency: str, handles: _Handles) -> dict[str, Any]:
    share = line["share"]
    numerator, _, denominator = str(share).partition("/")
    percent = 100 * int(numerator) / int(denominator or 1)
    sources = [
        {
            "work": str(source.get("work", "")),
            "title": str(source.get("title", "")),
            "work_percent": (source.get("work_share") or {}).get("percent", ""),
            "member_percent": (source.get("member_share") or {}).get("percent", ""),
        }
        for source in line.get("explanation") or []
        if isinstance(source, dict)
    ]
    return {
        "handle": handles(line["member_id"]),
        "role": line.get("role"),
        "amount": format_minor(int(line["amount_minor"]), currency),
        "share": share,
        "percent": f"{percent:.2f}",
        "sources": sources,
    }


def _percent(text: Any) -> str:
    """An exact percent as recorded ("5/2") as a decimal ("2.5"), to 4 places at most."""
    numerator, _, denominator = str(text).partition("/")
    try:
        value = int(numerator) / int(denominator or 1)
    except (ValueError, ZeroDivisionError):
        return str(text)
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _change(version: dict[str, Any], handles: _Handles) -> str:
    change = version.get("change") or {}
    kind = version["kind"]
    if kind == "draft":
        return "drafted from the payment's statement"
    if kind == "role_credit":
        members = ", ".join(handles(m) for m in change.get("members", []))
        percent = _percent(change.get("percent"))
        return f"role credit {change.get('role')}: {percent}% of the pool to {members}"
    if kind == "return_share":
        return f"{handles(change.get('member_id'))}'s share returned, redistributed proportionally"
    if kind == "override":
        return (
            f"{handles(change.get('member_id'))}'s share set to {_percent(change.get('percent'))}%"
        )
    if kind == "recompute":
        again = ", ".join(f"v{n}" for n in change.get("reapplied", []))
        return f"recomputed from the lineage as it is now{'; re-applied ' + again if again else ''}"
    return str(kind)


def _view(proposal: Proposal, handles: _Handles) -> dict[str, Any]:
    currency = proposal.currency
    lines = [_line(line, currency, handles) for line in proposal.lines]
    return {
        "id": str(proposal.id),
        "payment": proposal.payment,
        "state": proposal.state,
        "currency": currency,
        "pool": format_minor(proposal.pool_minor, currency),
        "closes_at": proposal.closes_at,
        "left": _left(proposal.closes_at, proposal.state),
        "lines": [line for line in lines if line["role"] is None],
        "roles": [line for line in lines if line["role"] is not None],
        "versions": [
            {
                "version": v["version"],
                "kind": v["kind"].replace("_", " "),
                "reason": v["reason"],
                "change": _change(v, handles),
                "by": handles(v["actor_id"]),
                "at": v["occurred_at"][:16].replace("T", " "),
            }
            for v in proposal.versions
        ],
        "comments": [
            {"by": handles(c["actor_id"]), "text": c["text"], "at": c["occurred_at"][:10]}
            for c in proposal.comments
        ],
        "objections": [
            {
                "id": o["id"],
                "kind": o["kind"].replace("_", " "),
                "by": handles(o["actor_id"]),
                "line": None if o["line_member_id"] is None else handles(o["line_member_id"]),
                "text": o["text"],
                "answer": o["answer"],
            }
            for o in proposal.objections.values()
        ],
        "final_version": proposal.final_version,
        "cancel_reason": proposal.cancel_reason,
    }


def _every_proposal(ledger: Ledger) -> list[Proposal]:
    drafted = ledger.recorder.select_notifications(1, SCANNED, topics=[_DRAFTED])
    return [ledger.proposal(UUID(str(n.originator_id))) for n in drafted]


def production_proposals(ledger: Ledger, production_id: UUID) -> list[dict[str, Any]]:
    """A production's proposals for its page: id, payment, state, version."""
    production = ledger.production(production_id)
    return [
        {"id": str(p.id), "payment": p.payment, "state": p.state, "version": p.version_number}
        for p in ledger.proposals_of(production)
    ]


def member_proposals(ledger: Ledger, member_id: UUID) -> dict[str, Any]:
    """The proposals a member has a line in, the objections they made, and their balance:
    what failed, unclaimed or returned payouts (recorded outcomes) owe them again."""
    me = str(member_id)
    proposals: list[dict[str, Any]] = []
    objections: list[dict[str, Any]] = []
    owed: dict[str, int] = {}
    for proposal in _every_proposal(ledger):
        mine = [line for line in proposal.lines if line["member_id"] == me]
        if mine:
            amount = sum(int(line["amount_minor"]) for line in mine)
            proposals.append(
                {
                    "id": str(proposal.id),
                    "payment": proposal.payment,
                    "state": proposal.state,
                    "amount": format_minor(amount, proposal.currency),
                    "currency": proposal.currency,
                }
            )
        for objection in proposal.objections.values():
            if objection["actor_id"] == me:
                answer = objection["answer"]
                objections.append(
                    {
                        "proposal": str(proposal.id),
                        "kind": objection["kind"].replace("_", " "),
                        "text": objection["text"],
                        "answer": None if answer is None else answer["decision"],
                    }
                )
        records = [
            (p["member_id"], int(p["amount_minor"]), p["outcome"])
            for p in proposal.payouts
            if p["member_id"] == me
        ]
        for _, amount in balances(records).items():
            owed[proposal.currency] = owed.get(proposal.currency, 0) + amount
    return {
        "proposals": proposals,
        "objections": objections,
        "balance": [
            {"amount": format_minor(amount, currency), "currency": currency}
            for currency, amount in sorted(owed.items())
        ],
    }
