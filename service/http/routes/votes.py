"""Votes: one per member and work; cast or change it (PUT), withdraw it (DELETE).

Votes are the busiest writes, so their path keeps the event loop free of reads:
the routes are coroutines that hand one command to the group commit (no worker
thread), and that command, on the writer thread, reads the token (401 for a
revoked one), finds the work and votes. The batch reads the token, member, work
and vote records of all its votes in one statement first (``reads``).
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from ledger import Recorded
from service.http.deps import Credentials, WriteRequestDep
from service.http.responses import position_of
from service.http.schemas import VoteCast, VoteWritten
from service.http.services import Services

__all__ = ["router"]

router = APIRouter(prefix="/api/works/{work}/vote", tags=["votes"])

_MOST_REMEMBERED_TOKENS = 100_000


@router.put("", response_model=VoteWritten)
async def cast_vote(
    work: str,
    body: VoteCast,
    response: Response,
    write: WriteRequestDep,
) -> VoteWritten:
    """Vote +1 or -1 on a work; voting again changes the member's one vote."""
    services, credentials, key = write.services, write.credentials, write.key
    ledger = services.ledger

    def command() -> Recorded:
        member_id = _voter(services, credentials)
        work_id = services.lineage.find_work(work)
        return ledger.vote(
            member_id=member_id, work_id=work_id, value=body.value, idempotency_key=key
        )

    recorded = await services.writes.write(command, reads=_reads(services, credentials, work))
    return VoteWritten(
        vote_id=str(recorded.id), value=body.value, position=position_of(response, ledger, recorded)
    )


@router.delete("", response_model=VoteWritten)
async def withdraw_vote(
    work: str,
    response: Response,
    write: WriteRequestDep,
) -> VoteWritten:
    """Withdraw the member's vote on a work (none left: nothing recorded)."""
    services, credentials, key = write.services, write.credentials, write.key
    ledger = services.ledger

    def command() -> Recorded:
        member_id = _voter(services, credentials)
        work_id = services.lineage.find_work(work)
        return ledger.withdraw_vote(member_id=member_id, work_id=work_id, idempotency_key=key)

    recorded = await services.writes.write(command, reads=_reads(services, credentials, work))
    return VoteWritten(
        vote_id=str(recorded.id), value=0, position=position_of(response, ledger, recorded)
    )


def _voter(services: Services, credentials: Credentials) -> UUID:
    """The token's member (read in the batch: a revoked token fails here), remembered
    so that its next vote's records can be read with the batch."""
    actor = credentials.actor(services.ledger)
    if len(services.token_members) >= _MOST_REMEMBERED_TOKENS:
        services.token_members.clear()
    services.token_members[actor.token_id] = actor.member_id
    return actor.member("vote")


def _reads(services: Services, credentials: Credentials, work: str) -> list[UUID]:
    """The records a vote will read, as far as they are known without reading."""
    reads = [credentials.token_id]
    member_id = services.token_members.get(credentials.token_id)
    work_id = services.lineage.known_work(work)
    if member_id is not None and work_id is not None:
        reads.extend(services.ledger.vote_records(member_id, work_id))
    return reads
