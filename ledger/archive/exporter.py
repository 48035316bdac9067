"""Write every act the ledger holds as archive lines, in the order of the log.

Each event becomes one line, except that a production's creation and the
inclusions and publication recorded right after it (as an import or a single
command records them) fold into one ``production`` line, as the format's
version-1 examples show. Lines are written with a fixed field order and no
optional field left empty, so the same ledger always exports the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TextIO
from uuid import UUID

from ledger.application.ledger import Ledger
from ledger.application.log import iter_events
from ledger.archive.schema import FORMAT_NAME, FORMAT_VERSION
from ledger.domain.comment import Comment
from ledger.domain.member import HandleClaim, Member
from ledger.domain.production import Production
from ledger.domain.values import Citation, format_time
from ledger.domain.vote import Vote
from ledger.domain.work import Work

__all__ = ["export_archive"]


def export_archive(
    ledger: Ledger, out: TextIO, *, on_progress: Callable[[int], None] | None = None
) -> int:
    """Write the whole ledger to ``out`` as an archive; return the number of lines."""
    writer = _ArchiveWriter(out)
    writer.write({"type": "archive", "format": FORMAT_NAME, "version": FORMAT_VERSION})
    for position, domain_event in iter_events(ledger):
        writer.take(domain_event)
        if on_progress is not None:
            on_progress(position)
    writer.flush_production()
    return writer.lines


def _dumps(line: dict[str, Any]) -> str:
    return json.dumps(
        {key: value for key, value in line.items() if value is not None},
        ensure_ascii=False,
        separators=(",", ":"),
    )


class _ArchiveWriter:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lines = 0
        self.ids: dict[UUID, str] = {}
        self.production_line: dict[str, Any] | None = None
        self.production_id: UUID | None = None
        self.production_actor: UUID | None = None

    def write(self, line: dict[str, Any]) -> None:
        self.out.write(_dumps(line) + "\n")
        self.lines += 1

    def ref(self, aggregate_id: UUID | None) -> str | None:
        return None if aggregate_id is None else self.ids[aggregate_id]

    def name(self, aggregate_id: UUID, external_id: str | None) -> str:
        archive_id = external_id if external_id is not None else str(aggregate_id)
        self.ids[aggregate_id] = archive_id
        return archive_id

    def take(self, e: Any) -> None:
        if self.production_line is not None and self._folds(e):
            return
        self.flush_production()
        handler = _HANDLERS.get(type(e))
        if handler is not None:
            handler(self, e)

    def _folds(self, e: Any) -> bool:
        """Whether ``e`` continues the production line being built (same act, same moment)."""
        line = self.production_line
        assert line is not None
        if getattr(e, "originator_id", None) != self.production_id:
            return False
        if getattr(e, "actor_id", None) != self.production_actor:
            return False
        if isinstance(e, Production.WorkIncluded):
            if e.idempotency_key is not None or format_time(e.occurred_at) != line["created_at"]:
                return False
            line["works"].append(self.ref(e.work_id))
            return True
        if isinstance(e, Production.Published):
            line["published_at"] = format_time(e.occurred_at)
            self.flush_production()
            return True
        return False

    def flush_production(self) -> None:
        if self.production_line is not None:
            self.write(self.production_line)
            self.production_line = None
            self.production_id = None

    # -- members

    def member_registered(self, e: Member.Registered) -> None:
        self.write(
            {
                "type": "member",
                "id": self.name(e.originator_id, e.external_id),
                "handle": e.handle,
                "name": e.name,
                "joined_at": format_time(e.occurred_at),
                "by": self.ref(e.actor_id),
            }
        )

    def member_renamed(self, e: Any) -> None:
        self.write(
            {
                "type": "member_renamed",
                "member": self.ref(e.originator_id),
                "name": e.name,
                "renamed_at": format_time(e.occurred_at),
                "by": self.ref(e.actor_id),
            }
        )

    def role_granted(self, e: Any) -> None:
        self.write(
            {
                "type": "role",
                "member": self.ref(e.originator_id),
                "role": e.role,
                "granted_at": format_time(e.occurred_at),
                "by": self.ref(e.actor_id),
            }
        )

    def credit_preference_set(self, e: Any) -> None:
        self.write(
            {
                "type": "credit_preference",
                "member": self.ref(e.originator_id),
                "credit": e.mode,
                "pseudonym": e.pseudonym,
                "set_at": format_time(e.occurred_at),
                "by": self.ref(e.actor_id),
            }
        )

    # -- works

    def work_created(self, e: Work.Contributed) -> None:
        sources = getattr(e, "sources", None)
        self.write(
            {
                "type": "work",
                "id": self.name(e.originator_id, e.external_id),
                "authors": [self.ref(author) for author in e.authors],
                "title": e.title,
                "kind": e.kind,
                "created_at": format_time(e.occurred_at),
                "body": e.body,
                "uri": e.uri,
                "license": e.license,
                "sources": None if sources is None else [self._source(c) for c in sources],
                "by": self.ref(e.actor_id),
            }
        )

    def _source(self, citation: Citation) -> dict[str, Any]:
        source: dict[str, Any] = {
            "id": self.ref(citation.work_id),
            "relation": citation.relation.value,
        }
        if citation.royalty_percent is not None:
            source["royalty_percent"] = str(citation.royalty_percent)
        return source

    def source_cited(self, e: Any) -> None:
        self.write(
            {
                "type": "citation",
                "work": self.ref(e.originator_id),
                "source": self._source(e.citation),
                "cited_at": format_time(e.occurred_at),
                "by": self.ref(e.actor_id),
            }
        )

    def work_retracted(self, e: Any) -> None:
        self.write(
            {
                "type": "work_retraction",
                "work": self.ref(e.originator_id),
                "retracted_at": format_time(e.occurred_at),
                "reason": e.reason,
                "by": self.ref(e.actor_id),
            }
        )

    # -- comments and votes

    def commented(self, e: Comment.Commented) -> None:
        self.write(
            {
                "type": "comment",
                "id": self.name(e.originator_id, e.external_id),
                "work": self.ref(e.work_id),
                "author": self.ref(e.author_id),
                "text": e.text,
                "created_at": format_time(e.occurred_at),
            }
        )

    def comment_retracted(self, e: Any) -> None:
        self.write(
            {
                "type": "comment_retraction",
                "comment": self.ref(e.originator_id),
                "retracted_at": format_time(e.occurred_at),
                "by": self.ref(e.actor_id),
            }
        )

    def voted(self, e: Vote.Voted) -> None:
        self.ids[e.originator_id] = f"{self.ref(e.member_id)}\n{self.ref(e.work_id)}"
        self._vote(e.originator_id, e.value, e.occurred_at)

    def vote_changed(self, e: Any) -> None:
        self._vote(e.originator_id, e.value, e.occurred_at)

    def _vote(self, vote_id: UUID, value: int, occurred_at: Any) -> None:
        member, work = self.ids[vote_id].split("\n")
        self.write(
            {
                "type": "vote",
                "work": work,
                "member": member,
                "value": value,
                "created_at": format_time(occurred_at),
            }
        )

    def vote_withdrawn(self, e: Any) -> None:
        member, work = self.ids[e.originator_id].split("\n")
        self.write(
            {
                "type": "vote_withdrawal",
                "work": work,
                "member": member,
                "withdrawn_at": format_time(e.occurred_at),
            }
        )

    # -- productions

    def production_created(self, e: Production.Created) -> None:
        self.production_id = e.originator_id
        self.production_actor = e.actor_id
        self.production_line = {
            "type": "production",
            "id": self.name(e.originator_id, e.external_id),
            "title": e.title,
            "curator": self.ref(e.curator_id),
            "works": [],
            "created_at": format_time(e.occurred_at),
            "published_at": None,
            "by": self.ref(e.actor_id),
        }

    def work_included(self, e: Any) -> None:
        self._membership("inclusion", "included_at", e)

    def work_excluded(self, e: Any) -> None:
        self._membership("exclusion", "excluded_at", e)

    def _membership(self, kind: str, time_field: str, e: Any) -> None:
        self.write(
            {
                "type": kind,
                "production": self.ref(e.originator_id),
                "work": self.ref(e.work_id),
                time_field: format_time(e.occurred_at),
                "by": self.ref(e.actor_id),
            }
        )

    def published(self, e: Any) -> None:
        self.write(
            {
                "type": "publication",
                "production": self.ref(e.originator_id),
                "published_at": format_time(e.occurred_at),
                "by": self.ref(e.actor_id),
            }
        )

    def policy_chosen(self, e: Any) -> None:
        self.write(
            {
                "type": "policy",
                "production": self.ref(e.originator_id),
                "policy": e.policy,
                "params": e.params or None,
                "pool_percent": str(e.pool_percent),
                "weights": None
                if e.weights is None
                else {self.ids[UUID(w)]: v for w, v in e.weights.items()},
                "chosen_at": format_time(e.occurred_at),
                "by": self.ref(e.actor_id),
            }
        )

    def share_waived(self, e: Any) -> None:
        self.write(
            {
                "type": "waiver",
                "production": self.ref(e.originator_id),
                "member": self.ref(e.member_id),
                "waived_at": format_time(e.occurred_at),
                "by": self.ref(e.actor_id),
            }
        )

    def statement_issued(self, e: Any) -> None:
        self.write(
            {
                "type": "statement",
                "production": self.ref(e.originator_id),
                "revenue": e.revenue_number,
                "statement": e.statement,
                "issued_at": format_time(e.occurred_at),
                "by": self.ref(e.actor_id),
            }
        )

    def revenue_recorded(self, e: Any) -> None:
        self.write(
            {
                "type": "revenue",
                "production": self.ref(e.originator_id),
                "amount": e.amount.format_amount(),
                "currency": e.amount.currency,
                "received_at": format_time(e.occurred_at),
                "id": e.external_id,
                "by": self.ref(e.actor_id),
            }
        )


_HANDLERS: dict[type, Callable[[_ArchiveWriter, Any], None]] = {
    Member.Registered: _ArchiveWriter.member_registered,
    Member.Renamed: _ArchiveWriter.member_renamed,
    Member.RoleGranted: _ArchiveWriter.role_granted,
    Member.CreditPreferenceSet: _ArchiveWriter.credit_preference_set,
    HandleClaim.Claimed: lambda writer, e: None,
    Work.Contributed: _ArchiveWriter.work_created,
    Work.Remixed: _ArchiveWriter.work_created,
    Work.SourceCited: _ArchiveWriter.source_cited,
    Work.Retracted: _ArchiveWriter.work_retracted,
    Comment.Commented: _ArchiveWriter.commented,
    Comment.CommentRetracted: _ArchiveWriter.comment_retracted,
    Vote.Voted: _ArchiveWriter.voted,
    Vote.VoteChanged: _ArchiveWriter.vote_changed,
    Vote.VoteWithdrawn: _ArchiveWriter.vote_withdrawn,
    Production.Created: _ArchiveWriter.production_created,
    Production.WorkIncluded: _ArchiveWriter.work_included,
    Production.WorkExcluded: _ArchiveWriter.work_excluded,
    Production.Published: _ArchiveWriter.published,
    Production.RevenueRecorded: _ArchiveWriter.revenue_recorded,
    Production.PolicyChosen: _ArchiveWriter.policy_chosen,
    Production.ShareWaived: _ArchiveWriter.share_waived,
    Production.RoyaltyStatementIssued: _ArchiveWriter.statement_issued,
}
