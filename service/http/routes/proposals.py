"""Community Payment Proposals over HTTP, and the token's member's notifications.

The same use cases as ``remix-ledger proposal ...``: each route calls one ledger
command (or, for a draft and a recompute, computes the lines from the lineage graph
within the server's lineage budget, then records them); the rules are the ledger's.
A write acts as the token's member (curators for the curators' acts); an operator
token acts as the operator. Writes answer the proposal's ``ETag`` and honour
``If-Match``; ``Idempotency-Key`` makes a retried write happen once.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from eventsourcing.utils import get_topic
from fastapi import APIRouter, Path, Query, Request, Response, status

from ledger import Ledger, Recorded
from ledger.application.tokens import InvalidTokenError
from ledger.domain.errors import InvalidValueError
from ledger.domain.proposal import Proposal
from ledger.domain.proposal_errors import UnknownProposalError
from ledger.domain.proposal_rules import MIN_WINDOW_DAYS
from lineage.proposals import adjust_proposal, lines_from_lineage, recomputed_lines
from projections.notification_projection import mark_read, notifications_of
from service.http.cursors import decode_cursor, encode_cursor
from service.http.deps import Actor, LedgerDep, LineageDep, OptionalActor, ServicesDep, Writer
from service.http.notification_store import mail_database_of
from service.http.preconditions import (
    ETAG_HEADERS,
    NOT_MODIFIED,
    WRITTEN,
    IfMatch,
    IfNoneMatch,
    conditional_write,
    etag_of,
    not_modified,
)
from service.http.problems import Problem
from service.http.proposal_schemas import (
    NotificationPublic,
    NotificationsPublic,
    NotificationsRead,
    ObjectionAnswer,
    ObjectionCreate,
    ProposalCancel,
    ProposalComment,
    ProposalCreate,
    ProposalOpen,
    ProposalPublic,
    ProposalRevision,
    ProposalsPublic,
    ProposalSummary,
    ProposalWritten,
)
from service.http.responses import position_of
from service.http.services import Services

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["proposals"])

#: The deployment's minimum comment window, as the CLI reads it (never below 14 days).
WINDOW_SETTING = "REMIX_LEDGER_PROPOSAL_WINDOW_DAYS"
_DRAFTED = get_topic(Proposal.Drafted)
_PAGE = Annotated[int, Query(ge=1, le=500)]


def _minimum_days() -> int:
    text = os.environ.get(WINDOW_SETTING, "").strip()
    if not text:
        return MIN_WINDOW_DAYS
    if not text.isdigit():
        raise InvalidValueError(f"{WINDOW_SETTING} is a whole number of days, not {text!r}")
    return max(MIN_WINDOW_DAYS, int(text))


def _proposal_id(reference: str) -> UUID:
    try:
        return UUID(reference.strip())
    except ValueError:
        raise UnknownProposalError(f"{reference!r} is not a proposal id") from None


def _found(ledger: Ledger, reference: str) -> Proposal:
    return ledger.proposal(_proposal_id(reference))


def _written(
    response: Response,
    ledger: Ledger,
    proposal_id: UUID,
    recorded: Recorded,
    objection_id: str | None = None,
) -> ProposalWritten:
    proposal = ledger.proposal(proposal_id)
    return ProposalWritten(
        proposal_id=str(proposal_id),
        state=proposal.state,
        version=proposal.version_number,
        objection_id=objection_id,
        position=position_of(response, ledger, recorded),
    )


# ------------------------------------------------------------------ writes


@router.post(
    "/productions/{production}/proposals",
    status_code=status.HTTP_201_CREATED,
    response_model=ProposalWritten,
    responses={201: {"description": "Drafted.", "headers": ETAG_HEADERS}},
)
def draft(
    production: str,
    body: ProposalCreate,
    response: Response,
    ledger: LedgerDep,
    lineage: LineageDep,
    services: ServicesDep,
    actor: Writer,
) -> ProposalWritten:
    """Draft the proposal of one payment (curators): its lines are today's statement."""
    if (body.revenue is None) == (body.budget is None):
        raise InvalidValueError("give revenue N or budget N")
    payment = f"revenue:{body.revenue}" if body.revenue is not None else f"budget:{body.budget}"
    production_id = ledger.find_production(production)
    ledger.production(production_id).check_published()

    def compute() -> list[dict[str, Any]]:
        with lineage.reading(
            ledger.head,
            services.settings.wait_seconds,
            holds=lambda graph: production_id in graph.production_ids,
        ) as graph:
            return lines_from_lineage(ledger, graph, production_id, payment, today=False)

    # Computed in a lineage worker within the budget; recorded here, only if in time.
    lines = services.lineage_budget.run(compute)
    recorded = ledger.draft_proposal(production_id, payment, lines, actor_id=actor.member_id)
    response.headers["Location"] = f"/api/proposals/{recorded.id}"
    response.headers["ETag"] = etag_of(recorded.id, ledger.proposal(recorded.id).version)
    return _written(response, ledger, recorded.id, recorded)


@router.post("/proposals/{proposal}/revisions", response_model=ProposalWritten, responses=WRITTEN)
def revise(
    proposal: str,
    body: ProposalRevision,
    response: Response,
    ledger: LedgerDep,
    lineage: LineageDep,
    services: ServicesDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> ProposalWritten:
    """A new version (curators): a role credit, a share returned, an override, or a
    recompute from the lineage as it is now (the other revisions re-applied)."""
    found = _found(ledger, proposal)
    with conditional_write(ledger, response, found.id, if_match):
        if body.kind == "recompute":
            recorded = _recompute(found, body.reason, ledger, lineage, services, actor)
        else:
            recorded = adjust_proposal(
                ledger,
                found.id,
                role_credit_text=_role_credit_text(body),
                return_member=body.member if body.kind == "return_share" else None,
                override_text=_override_text(body),
                reason=body.reason,
                actor_id=actor.member_id,
            )
    return _written(response, ledger, found.id, recorded)


def _role_credit_text(body: ProposalRevision) -> str | None:
    if body.kind != "role_credit":
        return None
    if body.role is None or body.percent is None or not body.members:
        raise InvalidValueError("a role credit needs role, percent and members")
    return f"{body.role}={body.percent}:{','.join(body.members)}"


def _override_text(body: ProposalRevision) -> str | None:
    if body.kind != "override":
        return None
    if body.member is None or body.percent is None:
        raise InvalidValueError("an override needs member and percent")
    return f"{body.member}={body.percent}"


def _recompute(
    proposal: Proposal,
    reason: str,
    ledger: Ledger,
    lineage: Any,
    services: Services,
    actor: Actor,
) -> Recorded:
    def compute() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        with lineage.reading(ledger.head, services.settings.wait_seconds) as graph:
            return recomputed_lines(ledger, graph, proposal)

    lines, change = services.lineage_budget.run(compute)
    return ledger.revise_proposal(
        proposal.id,
        kind="recompute",
        reason=reason,
        change=change,
        lines=lines,
        based_on_version=proposal.version_number,
        actor_id=actor.member_id,
    )


@router.post("/proposals/{proposal}/opening", response_model=ProposalWritten, responses=WRITTEN)
def open_window(
    proposal: str,
    body: ProposalOpen,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> ProposalWritten:
    """Open the comment window (curators): 14 days, or the deployment's longer minimum."""
    found = _found(ledger, proposal)
    minimum = _minimum_days()
    with conditional_write(ledger, response, found.id, if_match):
        recorded = ledger.open_proposal(
            found.id,
            window_days=minimum if body.window_days is None else body.window_days,
            minimum_days=minimum,
            actor_id=actor.member_id,
        )
    return _written(response, ledger, found.id, recorded)


@router.post("/proposals/{proposal}/comments", response_model=ProposalWritten, responses=WRITTEN)
def comment(
    proposal: str,
    body: ProposalComment,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> ProposalWritten:
    """Comment on an open proposal (any member)."""
    found = _found(ledger, proposal)
    with conditional_write(ledger, response, found.id, if_match):
        recorded = ledger.comment_on_proposal(found.id, body.text, actor_id=actor.member_id)
    return _written(response, ledger, found.id, recorded)


@router.post("/proposals/{proposal}/objections", response_model=ProposalWritten, responses=WRITTEN)
def object_to(
    proposal: str,
    body: ObjectionCreate,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> ProposalWritten:
    """Object to a line or the whole proposal (a payee, or a member left out)."""
    found = _found(ledger, proposal)
    line = None if body.line is None else ledger.find_member(body.line)
    with conditional_write(ledger, response, found.id, if_match):
        recorded = ledger.object_to_proposal(
            found.id, kind=body.kind, text=body.text, line_member_id=line, actor_id=actor.member_id
        )
    objections = ledger.proposal(found.id).objections
    made = max(objections, key=int) if objections else None
    return _written(response, ledger, found.id, recorded, objection_id=made)


@router.post(
    "/proposals/{proposal}/objections/{objection}/answer",
    response_model=ProposalWritten,
    responses=WRITTEN,
)
def answer(
    proposal: str,
    objection: Annotated[str, Path(min_length=1, max_length=20)],
    body: ObjectionAnswer,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> ProposalWritten:
    """Answer an objection (curators): accepted or declined, with a reason."""
    found = _found(ledger, proposal)
    with conditional_write(ledger, response, found.id, if_match):
        recorded = ledger.answer_objection(
            found.id,
            objection,
            decision=body.decision,
            reason=body.reason,
            actor_id=actor.member_id,
        )
    return _written(response, ledger, found.id, recorded)


@router.post(
    "/proposals/{proposal}/finalization", response_model=ProposalWritten, responses=WRITTEN
)
def finalize(
    proposal: str,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> ProposalWritten:
    """Make it final (curators), once the window has closed and every objection is
    answered: the payment's statement (the Final Community Payments) is issued with it."""
    found = _found(ledger, proposal)
    with conditional_write(ledger, response, found.id, if_match):
        recorded = ledger.finalize_proposal(found.id, actor_id=actor.member_id)
    return _written(response, ledger, found.id, recorded)


@router.post(
    "/proposals/{proposal}/cancellation", response_model=ProposalWritten, responses=WRITTEN
)
def cancel(
    proposal: str,
    body: ProposalCancel,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> ProposalWritten:
    """Cancel a draft or open proposal (curators), with a reason."""
    found = _found(ledger, proposal)
    with conditional_write(ledger, response, found.id, if_match):
        recorded = ledger.cancel_proposal(found.id, reason=body.reason, actor_id=actor.member_id)
    return _written(response, ledger, found.id, recorded)


# ------------------------------------------------------------------- reads


@router.get(
    "/proposals/{proposal}",
    response_model=ProposalPublic,
    responses={200: {"description": "The proposal.", "headers": ETAG_HEADERS}, **NOT_MODIFIED},
)
def read_proposal(
    proposal: str,
    response: Response,
    ledger: LedgerDep,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    if_none_match: IfNoneMatch = None,
) -> ProposalPublic | Response:
    """A proposal: state, window, the lines of the last version (or ``version``), every
    version with its reason and change, comments, objections and their answers."""
    found = _found(ledger, proposal)
    shown = found.version_at(version or found.version_number)
    unchanged = not_modified(response, found.id, found.version, if_none_match)
    if unchanged is not None:
        return unchanged
    return ProposalPublic(
        proposal_id=str(found.id),
        production_id=str(found.production_id),
        payment=found.payment,
        state=found.state,
        currency=found.currency,
        pool_minor=found.pool_minor,
        window_days=found.window_days,
        closes_at=found.closes_at,
        version=int(shown["version"]),
        latest_version=found.version_number,
        lines=list(shown["lines"]),
        versions=[
            {k: v[k] for k in ("version", "kind", "reason", "change", "actor_id", "occurred_at")}
            for v in found.versions
        ],
        comments=list(found.comments),
        objections=list(found.objections.values()),
        final_version=found.final_version,
        statement_position=found.statement_position,
        cancel_reason=found.cancel_reason,
        payouts=list(found.payouts),
        position=ledger.head,
    )


def _summary(proposal: Proposal) -> ProposalSummary:
    return ProposalSummary(
        proposal_id=str(proposal.id),
        production_id=str(proposal.production_id),
        payment=proposal.payment,
        state=proposal.state,
        version=proposal.version_number,
        closes_at=proposal.closes_at,
    )


@router.get("/productions/{production}/proposals", response_model=ProposalsPublic)
def production_proposals(
    production: str,
    ledger: LedgerDep,
    limit: _PAGE = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> ProposalsPublic:
    """A production's proposals, by payment, oldest attempt first, a page at a time."""
    found = ledger.production(ledger.find_production(production))
    start = 0 if cursor is None else decode_cursor(cursor, f"proposals-of-{found.id}")
    every = ledger.proposals_of(found)
    page = every[start : start + limit]
    more = start + limit < len(every)
    return ProposalsPublic(
        proposals=[_summary(p) for p in page],
        next=encode_cursor(f"proposals-of-{found.id}", start + limit) if more else None,
    )


@router.get("/proposals", response_model=ProposalsPublic)
def all_proposals(
    ledger: LedgerDep,
    limit: _PAGE = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> ProposalsPublic:
    """Every proposal, in the order they were drafted, a page at a time."""
    after = 0 if cursor is None else decode_cursor(cursor, "proposals")
    drafted = ledger.recorder.select_notifications(after + 1, limit, topics=[_DRAFTED])
    return ProposalsPublic(
        proposals=[_summary(ledger.proposal(UUID(str(n.originator_id)))) for n in drafted],
        next=encode_cursor("proposals", drafted[-1].id) if len(drafted) == limit else None,
    )


# ----------------------------------------------------------- notifications


@router.get("/notifications", response_model=NotificationsPublic)
def notifications(
    request: Request,
    ledger: LedgerDep,
    actor: OptionalActor,
    unread: Annotated[bool, Query(description="Only the unread ones.")] = False,
    limit: _PAGE = 100,
) -> NotificationsPublic:
    """The token's member's notifications, newest first, each read or unread."""
    if actor is None:
        raise InvalidTokenError("this needs an API token: Authorization: Bearer TOKEN")
    member = actor.member("read a member's notifications")
    rows = notifications_of(
        mail_database_of(request.app.state), member, unread_only=unread, limit=limit
    )
    shown = [
        NotificationPublic(
            notification_id=str(row.notification_id),
            proposal_id=str(row.proposal_id),
            kind=row.kind,
            subject=row.subject,
            body=row.body,
            created_at=row.created_at,
            read_at=row.read_at,
            position=row.position,
        )
        for row in rows
    ]
    return NotificationsPublic(
        notifications=shown, unread=sum(1 for n in shown if n.read_at is None)
    )


@router.post("/notifications/read", response_model=NotificationsPublic)
def read_notifications(
    request: Request, body: NotificationsRead, ledger: LedgerDep, actor: Writer
) -> NotificationsPublic:
    """Mark the named notifications read (a flag of the member's, outside the log);
    answers the member's notifications as they are now. An id that is not one of the
    member's is refused (404) before any is marked."""
    member = actor.member("mark a member's notifications read")
    database = mail_database_of(request.app.state)
    wanted = []
    for text in body.notifications:
        try:
            wanted.append(UUID(text))
        except ValueError:
            raise InvalidValueError(f"{text!r} is not a notification id") from None
    theirs = {row.notification_id for row in notifications_of(database, member, limit=10**9)}
    missing = [str(n) for n in wanted if n not in theirs]
    if missing:
        raise Problem(404, "unknown-notification", f"no notification {missing[0]} of this member")
    now = datetime.now(UTC)
    for notification_id in wanted:
        mark_read(database, member, notification_id, now)
    return notifications(request, ledger, actor)
