"""Comments: write one on a work, retract one's own."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from service.http.deps import CommandKey, LedgerDep, Writer
from service.http.responses import position_of
from service.http.schemas import CommentCreate, CommentWritten

__all__ = ["router"]

router = APIRouter(tags=["comments"])


@router.post(
    "/api/works/{work}/comments",
    status_code=status.HTTP_201_CREATED,
    response_model=CommentWritten,
)
def write_comment(
    work: str,
    body: CommentCreate,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    key: CommandKey,
) -> CommentWritten:
    """Comment on a work as the acting member."""
    recorded = ledger.comment(
        work_id=ledger.find_work(work),
        author_id=actor.member("comment"),
        text=body.text,
        external_id=body.external_id,
        idempotency_key=key,
    )
    return CommentWritten(
        comment_id=str(recorded.id),
        external_id=body.external_id,
        position=position_of(response, ledger, recorded),
    )


@router.delete("/api/comments/{comment}", response_model=CommentWritten)
def retract_comment(
    comment: str, response: Response, ledger: LedgerDep, actor: Writer
) -> CommentWritten:
    """Retract a comment (its author, or the operator)."""
    comment_id = ledger.find_comment(comment)
    recorded = ledger.retract_comment(comment_id, actor_id=actor.member_id)
    return CommentWritten(
        comment_id=str(comment_id),
        external_id=ledger.comment_record(comment_id).external_id,
        position=position_of(response, ledger, recorded),
    )
