"""Members: register (answers the member's API token, once), read, roles, credit, history."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID, uuid5

from fastapi import APIRouter, Query, Request, Response, status

from ledger.application.tokens import register_with_token
from ledger.domain.values import Role
from service.http.deps import (
    After,
    CommandKey,
    LedgerDep,
    OptionalActor,
    ReadModelsDep,
    ServicesDep,
    Writer,
)
from service.http.histories import HistoryPublic, history_public
from service.http.preconditions import (
    ETAG_HEADERS,
    NOT_MODIFIED,
    WRITTEN,
    IfMatch,
    IfNoneMatch,
    conditional_write,
    not_modified,
)
from service.http.problems import Problem
from service.http.responses import position_of
from service.http.schemas import (
    CreditPreference,
    MemberCreate,
    MemberPublic,
    MemberRegistered,
    MemberWritten,
    RoleGrant,
)
from service.http.services import Services

__all__ = ["router"]

router = APIRouter(prefix="/api/members", tags=["members"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MemberRegistered)
def register_member(
    body: MemberCreate,
    request: Request,
    response: Response,
    services: ServicesDep,
    actor: OptionalActor,
) -> MemberRegistered:
    """Register a member; the answer holds their API token, shown this once.

    Open to anyone, unless the server runs with ``--closed-registration``: then
    only the operator's token may register members.
    """
    if services.settings.closed_registration and (actor is None or not actor.is_operator):
        raise Problem(
            401 if actor is None else 403,
            "registration-closed",
            "registration on this server needs the operator's token",
            headers={"WWW-Authenticate": 'Bearer realm="remix-ledger"'} if actor is None else None,
        )
    _limit_registrations(services, request)
    ledger = services.ledger
    issued = register_with_token(
        ledger,
        handle=body.handle,
        name=body.name,
        external_id=body.external_id,
        actor_id=None if actor is None else actor.member_id,
    )
    assert issued.member_id is not None
    member = ledger.member(issued.member_id)
    response.headers["Location"] = f"/api/members/{issued.member_id}"
    # The answer holds the token: no cache, and no idempotency record, may keep it.
    response.headers["Cache-Control"] = "no-store"
    return MemberRegistered(
        member_id=str(issued.member_id),
        handle=member.handle,
        external_id=member.external_id,
        token=issued.secret,
        position=position_of(response, ledger, issued.position),
    )


def _limit_registrations(services: Services, request: Request) -> None:
    """Registration needs no token, so it is limited per client address instead
    (each one records four events: open registration must not be a way to fill
    the ledger)."""
    address = request.client.host if request.client is not None else "unknown"
    services.limiter.check(
        uuid5(_REGISTRATIONS, address), "too many registrations from this address; slow down"
    )


_REGISTRATIONS = UUID("5f1d7f8e-3a51-4c39-8a8e-1b0f5f6c2d10")


@router.get(
    "/{member}",
    response_model=MemberPublic,
    responses={200: {"description": "The member.", "headers": ETAG_HEADERS}, **NOT_MODIFIED},
)
def read_member(
    member: str, response: Response, ledger: LedgerDep, if_none_match: IfNoneMatch = None
) -> MemberPublic | Response:
    """A member, by id, external id or handle."""
    found = ledger.member(ledger.find_member(member))
    unchanged = not_modified(response, found.id, found.version, if_none_match)
    if unchanged is not None:
        return unchanged
    return MemberPublic(
        member_id=str(found.id),
        external_id=found.external_id,
        handle=found.handle,
        name=found.name,
        roles=sorted(role.value for role in found.roles),
        credit_mode=found.credit_mode.value,
        pseudonym=found.pseudonym,
        joined_at=found.joined_at,
    )


@router.post("/{member}/roles", response_model=MemberWritten, responses=WRITTEN)
def grant_role(
    member: str,
    body: RoleGrant,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> MemberWritten:
    """Grant a role (curator); a curator, or the operator, may."""
    member_id = ledger.find_member(member)
    with conditional_write(ledger, response, member_id, if_match):
        recorded = ledger.grant_role(member_id, Role(body.role).value, actor_id=actor.member_id)
    return MemberWritten(member_id=str(member_id), position=position_of(response, ledger, recorded))


@router.put("/{member}/credit", response_model=MemberWritten, responses=WRITTEN)
def set_credit_preference(
    member: str,
    body: CreditPreference,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    key: CommandKey,
    if_match: IfMatch = None,
) -> MemberWritten:
    """How the member is credited: by name, by a pseudonym, or not at all (themself only)."""
    member_id = ledger.find_member(member)
    with conditional_write(ledger, response, member_id, if_match):
        recorded = ledger.set_credit_preference(
            member_id,
            body.mode,
            pseudonym=body.pseudonym,
            actor_id=actor.member_id,
            idempotency_key=key,
        )
    return MemberWritten(member_id=str(member_id), position=position_of(response, ledger, recorded))


@router.get("/{member}/history", response_model=HistoryPublic)
def member_history(
    member: str,
    ledger: LedgerDep,
    read_models: ReadModelsDep,
    after: After,
    cursor: Annotated[int, Query(ge=0, le=2**62, description="Events after this position.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> HistoryPublic:
    """Every event about the member, in order, a page at a time."""
    return history_public(read_models, ledger.find_member(member), cursor, limit)
