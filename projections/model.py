"""How each event changes the read models: rankings, the leaderboard, histories, edges.

``ReadModelWriter.apply`` is the one place that knows the event catalogue on the
read side. It reads and writes rows through a ``Staged`` batch, so the same
logic serves the in-memory, SQLite and PostgreSQL stores.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.application.history import Namebook
from ledger.domain.comment import Comment
from ledger.domain.member import HandleClaim, Member
from ledger.domain.vote import Vote
from ledger.domain.work import Work
from projections.rows import CommentRow, EdgeRow, MemberRow, NameRow, VoteRow, WorkRow
from projections.staging import Staged
from projections.storable import storable_text

__all__ = ["ReadModelWriter"]


class ReadModelWriter:
    """Applies events, in log order, to the rows of one batch."""

    def __init__(self, staged: Staged) -> None:
        self.staged = staged
        # Only ``involved`` is asked of it here (histories are rendered when read).
        self.book = Namebook(
            votes=staged.mapping("votes", lambda row: (row.member_id, row.work_id)),
            comments=staged.mapping("comments", lambda row: row.work_id),
        )

    def apply(self, position: int, event: Any) -> None:
        if isinstance(event, HandleClaim.Claimed):
            return
        name = Namebook.name_given(event)
        if name is not None:
            self.staged.put("names", event.originator_id, NameRow(name, position))
        self._record_history(position, event)
        match event:
            case Member.Registered():
                handle = storable_text(event.handle, "handle", position)
                name = storable_text(event.name, "name", position)
                self._put("members", MemberRow(event.originator_id, handle, name))
            case Member.Renamed():
                member = self._member(event.originator_id)
                member.name = storable_text(event.name, "name", position)
                self._put("members", member)
            case Work.Contributed():
                self._work_created(position, event)
            case Work.SourceCited():
                work = self._work(event.originator_id)
                self._cited(work, event.citation, position)
            case Work.Retracted():
                work = self._work(event.originator_id)
                work.retracted = True
                self._put("works", work)
                for author in work.authors:
                    member = self._member(author)
                    member.works -= 1
                    self._put("members", member)
            case Comment.Commented():
                self._put("comments", CommentRow(event.originator_id, event.work_id))
                self._count_comment(event.work_id, +1)
            case Comment.CommentRetracted():
                comment = self.staged.get("comments", event.originator_id)
                comment.retracted = True
                self._put("comments", comment)
                self._count_comment(comment.work_id, -1)
            case Vote.Voted():
                vote = VoteRow(event.originator_id, event.member_id, event.work_id, 0)
                self._vote_changed(vote, event.value)
            case Vote.VoteChanged():
                self._vote_changed(self.staged.get("votes", event.originator_id), event.value)
            case Vote.VoteWithdrawn():
                self._vote_changed(self.staged.get("votes", event.originator_id), 0)

    # -- works and members

    def _work_created(self, position: int, event: Any) -> None:
        work = WorkRow(
            work_id=event.originator_id,
            title=storable_text(event.title, "title", position),
            kind=event.kind,
            authors=tuple(event.authors),
            created_at=event.occurred_at,
            position=position,
        )
        self._put("works", work)
        for author in work.authors:
            member = self._member(author)
            member.works += 1
            self._put("members", member)
        for citation in getattr(event, "sources", ()):
            self._cited(work, citation, position)

    def _cited(self, work: WorkRow, citation: Any, position: int) -> None:
        source = self._work(citation.work_id)
        source.direct_remixes += 1
        self._put("works", source)
        self.staged.changes.edges.append(
            EdgeRow(citation.work_id, work.work_id, citation.relation.value, position)
        )
        # Credit the source's authors for being built upon, unless they built on themselves.
        for author in source.authors:
            if author not in work.authors:
                member = self._member(author)
                member.remixes_received += 1
                self._put("members", member)

    def _count_comment(self, work_id: UUID, change: int) -> None:
        work = self._work(work_id)
        work.comments += change
        self._put("works", work)

    def _vote_changed(self, vote: VoteRow, value: int) -> None:
        work = self._work(vote.work_id)
        old = vote.value
        work.up += (value == 1) - (old == 1)
        work.down += (value == -1) - (old == -1)
        self._put("works", work)
        for author in work.authors:
            member = self._member(author)
            member.votes_up += (value == 1) - (old == 1)
            member.votes_down += (value == -1) - (old == -1)
            self._put("members", member)
        vote.value = value
        self._put("votes", vote)

    # -- history

    def _record_history(self, position: int, event: Any) -> None:
        ids = self.book.involved(event)
        history = self.staged.changes.history
        if isinstance(event, _VOTE_EVENTS):
            # A vote's own id is no one's subject; its member and work are.
            vote_id = event.originator_id
            history.extend((subject, position) for subject in ids if subject != vote_id)
        else:
            history.extend((subject, position) for subject in ids)

    # -- rows

    def _work(self, work_id: UUID) -> WorkRow:
        row: WorkRow = self.staged.get("works", work_id)
        return row

    def _member(self, member_id: UUID) -> MemberRow:
        row: MemberRow = self.staged.get("members", member_id)
        return row

    def _put(self, table: str, row: Any) -> None:
        self.staged.put(table, getattr(row, _KEYS[table]), row)


_KEYS = {
    "works": "work_id",
    "members": "member_id",
    "votes": "vote_id",
    "comments": "comment_id",
}

_VOTE_EVENTS = (Vote.Voted, Vote.VoteChanged, Vote.VoteWithdrawn)
