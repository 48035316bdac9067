"""The commands on comments and votes: commenting, retracting a comment, voting,
changing and withdrawing a vote (one vote per member and work)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ledger.application.base import LedgerBase, Recorded
from ledger.application.new_records import (
    id_for_new,
    made_already,
)
from ledger.application.unit_of_work import UnitOfWork
from ledger.domain.comment import Comment
from ledger.domain.errors import (
    DuplicateExternalIdError,
    UnknownCommentError,
)
from ledger.domain.identity import (
    comment_id_for,
    vote_id_for,
)
from ledger.domain.rules import (
    check_external_id,
    occurred,
)
from ledger.domain.vote import Vote, check_vote_value

__all__ = ["EngagementCommands"]


class EngagementCommands(LedgerBase):
    """Comments and votes: what members say about works."""

    def comment(
        self,
        *,
        work_id: UUID,
        author_id: UUID,
        text: str,
        external_id: str | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Comment on a work; with an ``idempotency_key`` (and no ``external_id``) the
        same comment again records nothing."""
        check_external_id(external_id)
        comment_id = id_for_new("comment", comment_id_for, external_id, author_id, idempotency_key)
        keyed = idempotency_key is not None and not external_id

        def same_comment(comment: Comment) -> bool:
            return (comment.work_id, comment.author_id, comment.text) == (work_id, author_id, text)

        def command(uow: UnitOfWork) -> UUID:
            if external_id and uow.exists(comment_id):
                raise DuplicateExternalIdError(f"a comment with external id {external_id!r} exists")
            if keyed and made_already(uow, Comment, comment_id, same_comment):
                return comment_id
            self._member(uow, author_id)
            self._work(uow, work_id).check_not_retracted("commented on")
            uow.add(
                Comment.write(
                    id=comment_id,
                    work_id=work_id,
                    author_id=author_id,
                    text=text,
                    external_id=external_id,
                    occurred_at=occurred(occurred_at),
                )
            )
            return comment_id

        return self._recorded(command)

    def retract_comment(
        self,
        comment_id: UUID,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Hide a comment; only its author (or the operator) may."""

        def command(uow: UnitOfWork) -> UUID:
            comment = uow.get(
                Comment, comment_id, lambda: UnknownCommentError(f"no comment has id {comment_id}")
            )
            comment.retract(actor_id=actor_id, occurred_at=occurred(occurred_at))
            return comment_id

        return self._recorded(command)

    def vote(
        self,
        *,
        member_id: UUID,
        work_id: UUID,
        value: int,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Vote +1 or -1; voting again changes the one vote a member has on a work."""
        check_vote_value(value)
        vote_id = vote_id_for(member_id, work_id)

        def command(uow: UnitOfWork) -> UUID:
            self._member(uow, member_id)
            work = self._work(uow, work_id)
            work.check_not_retracted("voted on")
            Vote.check_voter(member_id, work.authors, work.title)
            when = occurred(occurred_at)
            vote = uow.find(Vote, vote_id)
            if vote is None:
                uow.add(
                    Vote.cast(
                        id=vote_id,
                        member_id=member_id,
                        work_id=work_id,
                        value=value,
                        occurred_at=when,
                        idempotency_key=idempotency_key,
                    )
                )
            elif not vote.has_applied(idempotency_key) and vote.value != value:
                vote.change(
                    value=value,
                    actor_id=member_id,
                    occurred_at=when,
                    idempotency_key=idempotency_key,
                )
            return vote_id

        return self._recorded(command)

    @staticmethod
    def vote_records(member_id: UUID, work_id: UUID) -> tuple[UUID, ...]:
        """The records ``vote`` and ``withdraw_vote`` read, so that a batch of votes
        can load them together (``UnitOfWork.preload``)."""
        return (member_id, work_id, vote_id_for(member_id, work_id))

    def withdraw_vote(
        self,
        *,
        member_id: UUID,
        work_id: UUID,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Withdraw a member's vote on a work (no vote left: nothing to record)."""
        vote_id = vote_id_for(member_id, work_id)

        def command(uow: UnitOfWork) -> UUID:
            self._member(uow, member_id)
            self._work(uow, work_id)
            vote = uow.find(Vote, vote_id)
            if vote is not None and not vote.is_withdrawn and not vote.has_applied(idempotency_key):
                vote.withdraw(
                    actor_id=member_id,
                    occurred_at=occurred(occurred_at),
                    idempotency_key=idempotency_key,
                )
            return vote_id

        return self._recorded(command)
