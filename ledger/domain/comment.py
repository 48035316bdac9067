"""The Comment aggregate: a member's remark on a work."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.acts import LedgerAggregate
from ledger.domain.errors import NotAuthorError, RetractedError
from ledger.domain.topics import recorded_under
from ledger.domain.values import MAX_COMMENT, check_text

__all__ = ["Comment"]


@recorded_under("ledger.comment")
class Comment(LedgerAggregate):
    """A comment on a work; retracting hides it but never erases it from the log."""

    class Commented(Aggregate.Created):
        TOPIC = "ledger.comment:Comment.Commented"
        work_id: UUID
        author_id: UUID
        text: str
        external_id: str | None
        actor_id: UUID | None
        occurred_at: datetime

    def __init__(
        self,
        *,
        work_id: UUID,
        author_id: UUID,
        text: str,
        external_id: str | None,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        super().__init__()
        self.work_id = work_id
        self.author_id = author_id
        self.text = text
        self.external_id = external_id
        self.commented_at = occurred_at
        self.retracted = False

    @classmethod
    def write(
        cls,
        *,
        id: UUID,
        work_id: UUID,
        author_id: UUID,
        text: str,
        external_id: str | None,
        occurred_at: datetime,
    ) -> Comment:
        cls.check_text(text)
        return cls._create(
            cls.Commented,
            id=id,
            work_id=work_id,
            author_id=author_id,
            text=text,
            external_id=external_id,
            actor_id=author_id,
            occurred_at=occurred_at,
        )

    @staticmethod
    def check_text(text: str) -> None:
        check_text("comment", text, MAX_COMMENT, prose=True)

    class CommentRetracted(Aggregate.Event):
        TOPIC = "ledger.comment:Comment.CommentRetracted"
        actor_id: UUID | None
        occurred_at: datetime

    def retract(self, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        """Hide this comment (its author or the operator), once."""
        self.check_retraction(actor_id)
        self._retract(actor_id=actor_id, occurred_at=occurred_at)

    def check_retraction(self, actor_id: UUID | None) -> None:
        if actor_id is not None and actor_id != self.author_id:
            raise NotAuthorError("only the comment's author may retract it")
        if self.retracted:
            raise RetractedError("the comment was already retracted")

    @event(CommentRetracted)
    def _retract(self, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.retracted = True
