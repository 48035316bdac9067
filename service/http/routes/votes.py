"""Votes: one per member and work; cast or change it (PUT), withdraw it (DELETE).

The routes are coroutines: a vote waits for its batch (``GroupCommit``) on the event
loop instead of holding a worker thread, the busiest write path's one hop saved.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from service.http.deps import CommandKey, ServicesDep, Writer
from service.http.responses import position_of
from service.http.schemas import VoteCast, VoteWritten

__all__ = ["router"]

router = APIRouter(prefix="/api/works/{work}/vote", tags=["votes"])


@router.put("", response_model=VoteWritten)
async def cast_vote(
    work: str,
    body: VoteCast,
    response: Response,
    services: ServicesDep,
    actor: Writer,
    key: CommandKey,
) -> VoteWritten:
    """Vote +1 or -1 on a work; voting again changes the member's one vote."""
    ledger = services.ledger
    member_id, work_id = actor.member("vote"), services.lineage.find_work(work)
    recorded = await services.writes.write(
        lambda: ledger.vote(
            member_id=member_id, work_id=work_id, value=body.value, idempotency_key=key
        )
    )
    return VoteWritten(
        vote_id=str(recorded.id), value=body.value, position=position_of(response, ledger, recorded)
    )


@router.delete("", response_model=VoteWritten)
async def withdraw_vote(
    work: str, response: Response, services: ServicesDep, actor: Writer, key: CommandKey
) -> VoteWritten:
    """Withdraw the member's vote on a work (none left: nothing recorded)."""
    ledger = services.ledger
    member_id, work_id = actor.member("vote"), services.lineage.find_work(work)
    recorded = await services.writes.write(
        lambda: ledger.withdraw_vote(member_id=member_id, work_id=work_id, idempotency_key=key)
    )
    return VoteWritten(
        vote_id=str(recorded.id), value=0, position=position_of(response, ledger, recorded)
    )
