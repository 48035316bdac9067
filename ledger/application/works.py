"""The commands on works: contributing, remixing, citing a source, retracting.

A citation is refused when it would make a work its own ancestor, date it before
its source (unless ``as_recorded``), split the work over 100% (``check_own_split``)
or stack a work some production pays under ``absolute`` over 100%.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from ledger.adapters.citation_guard import (
    cycle_error,
    is_ancestor,
)
from ledger.application.base import Recorded
from ledger.application.new_records import (
    id_for_new,
    made_already,
)
from ledger.application.royalty_stacks import RoyaltyStackChecks
from ledger.application.unit_of_work import UnitOfWork
from ledger.domain.errors import DuplicateExternalIdError
from ledger.domain.identity import work_id_for
from ledger.domain.royalty_stack import check_own_split
from ledger.domain.rules import (
    check_built_after,
    check_contributor,
    check_remix,
    occurred,
)
from ledger.domain.values import (
    Citation,
    Kind,
)
from ledger.domain.work import Work

__all__ = ["WorkCommands"]


class WorkCommands(RoyaltyStackChecks):
    """Works and the citations between them."""

    def contribute(
        self,
        *,
        authors: Sequence[UUID],
        title: str,
        kind: str = Kind.TEXT,
        body: str | None = None,
        uri: str | None = None,
        license: str | None = None,
        external_id: str | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Contribute an original work (one with no sources)."""
        return self.remix(
            authors=authors,
            title=title,
            kind=kind,
            sources=(),
            body=body,
            uri=uri,
            license=license,
            external_id=external_id,
            actor_id=actor_id,
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
        )

    def remix(
        self,
        *,
        authors: Sequence[UUID],
        title: str,
        sources: Sequence[Citation],
        kind: str = Kind.TEXT,
        body: str | None = None,
        uri: str | None = None,
        license: str | None = None,
        external_id: str | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
        as_recorded: bool = False,
    ) -> Recorded:
        """Record a work built on ``sources`` (1..32 distinct, existing, unretracted works).

        With no sources it is an original (``contribute``). With an
        ``idempotency_key`` (and no ``external_id``) the same act again records nothing.
        ``as_recorded`` (an archive's record of the past) keeps a date before a source's.
        """
        work_id = id_for_new("work", work_id_for, external_id, actor_id, idempotency_key)
        work_kind = check_remix(work_id, external_id, kind, authors, sources)
        keyed = idempotency_key is not None and not external_id

        def same_work(work: Work) -> bool:
            made = (work.authors, work.title, work.kind, work.body, work.uri, work.license)
            asked = (tuple(authors), title, work_kind, body, uri, license)
            return made == asked and work.sources == tuple(sources)

        def command(uow: UnitOfWork) -> UUID:
            if external_id and uow.exists(work_id):
                raise DuplicateExternalIdError(f"a work with external id {external_id!r} exists")
            if keyed and made_already(uow, Work, work_id, same_work):
                return work_id
            for author_id in authors:
                self._member(uow, author_id)
            check_contributor(actor_id, authors)
            when = occurred(occurred_at)
            for citation in sources:
                source = self._work(uow, citation.work_id)
                source.check_not_retracted("remixed")
                check_built_after(
                    when, source.title, source.contributed_at, as_recorded=as_recorded
                )
            check_own_split(title, sources, self._lineage_reader(uow))
            uow.add(
                Work.create(
                    id=work_id,
                    authors=authors,
                    title=title,
                    kind=work_kind,
                    body=body,
                    uri=uri,
                    license=license,
                    external_id=external_id,
                    actor_id=actor_id,
                    occurred_at=when,
                    sources=sources,
                )
            )
            return work_id

        return self._recorded(command)

    def cite_source(
        self,
        work_id: UUID,
        citation: Citation,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        as_recorded: bool = False,
    ) -> Recorded:
        """Add a source to a work; refused if it would make the work its own ancestor.

        A citation dated before its source was contributed is refused, unless
        ``as_recorded`` (an archive's record of the past keeps its dates).
        """

        def command(uow: UnitOfWork) -> UUID:
            work = self._work(uow, work_id)
            if citation.work_id in work.source_ids:
                return work_id  # already cited: repeating it records nothing
            work.check_author(actor_id, "cite its sources")
            Work.check_sources(work.id, (*work.sources, citation))
            source = self._work(uow, citation.work_id)
            source.check_not_retracted("cited")
            when = occurred(occurred_at)
            check_built_after(when, source.title, source.contributed_at, as_recorded=as_recorded)
            self._check_no_cycle(uow, work, source)
            cited = (*work.sources, citation)
            check_own_split(work.title, cited, self._lineage_reader(uow))
            self._check_paid_under_absolute(uow, work, cited)
            work.cite_source(citation=citation, actor_id=actor_id, occurred_at=when)
            return work_id

        return self._recorded(command)

    def _check_no_cycle(self, uow: UnitOfWork, work: Work, source: Work) -> None:
        if is_ancestor(work.id, source.id, lambda current: self._work(uow, current).source_ids):
            raise cycle_error(source.title, work.title)

    def retract_work(
        self,
        work_id: UUID,
        *,
        reason: str | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Hide a work from rankings and new remixes; the log keeps everything."""

        def command(uow: UnitOfWork) -> UUID:
            self._work(uow, work_id).retract(
                reason=reason, actor_id=actor_id, occurred_at=occurred(occurred_at)
            )
            return work_id

        return self._recorded(command)
