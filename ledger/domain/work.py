"""The Work aggregate: one contribution, an original or a remix of earlier works."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.acts import LedgerAggregate
from ledger.domain.errors import (
    InvalidSourcesError,
    InvalidValueError,
    NotAuthorError,
    RetractedError,
)
from ledger.domain.topics import recorded_under
from ledger.domain.values import (
    MAX_BODY,
    MAX_LICENSE,
    MAX_REASON,
    MAX_SOURCES,
    MAX_TITLE,
    MAX_URI,
    Citation,
    Kind,
    check_text,
)

__all__ = ["MAX_AUTHORS", "Work"]

MAX_AUTHORS = 32


@recorded_under("ledger.work")
class Work(LedgerAggregate):
    """A record contributed by one or more authors; a remix cites its sources."""

    class Contributed(Aggregate.Created):
        """An original: a work with no sources."""

        TOPIC = "ledger.work:Work.Contributed"

        authors: list[UUID]
        title: str
        kind: str
        body: str | None
        uri: str | None
        license: str | None
        external_id: str | None
        actor_id: UUID | None
        occurred_at: datetime

    class Remixed(Contributed):
        """A work built on one or more earlier works."""

        TOPIC = "ledger.work:Work.Remixed"

        sources: list[Citation]

    def __init__(
        self,
        *,
        authors: Sequence[UUID],
        title: str,
        kind: str,
        body: str | None,
        uri: str | None,
        license: str | None,
        external_id: str | None,
        actor_id: UUID | None,
        occurred_at: datetime,
        sources: Sequence[Citation] = (),
    ) -> None:
        super().__init__()
        # The JSON transcoder gives lists back where tuples went in.
        self.authors = tuple(authors)
        self.title = title
        self.kind = Kind(kind)
        self.body = body
        self.uri = uri
        self.license = license
        self.external_id = external_id
        self.contributed_at = occurred_at
        self.sources: tuple[Citation, ...] = tuple(sources)
        self.retracted = False

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        authors: Sequence[UUID],
        title: str,
        kind: Kind,
        body: str | None,
        uri: str | None,
        license: str | None,
        external_id: str | None,
        actor_id: UUID | None,
        occurred_at: datetime,
        sources: Sequence[Citation] = (),
    ) -> Work:
        """Contribute an original (no sources) or a remix (sources given and checked)."""
        cls.check_authors(authors)
        cls.check_contents(title, body, uri, license)
        fields: dict[str, Any] = {
            "id": id,
            "authors": list(authors),
            "title": title,
            "kind": Kind(kind).value,
            "body": body,
            "uri": uri,
            "license": license,
            "external_id": external_id,
            "actor_id": actor_id,
            "occurred_at": occurred_at,
        }
        if not sources:
            return cls._create(cls.Contributed, **fields)
        cls.check_sources(id, sources)
        return cls._create(cls.Remixed, sources=list(sources), **fields)

    @staticmethod
    def check_authors(authors: Sequence[UUID]) -> None:
        if not authors:
            raise InvalidValueError("a work needs at least one author")
        if len(set(authors)) != len(authors):
            raise InvalidValueError("a work's authors must be distinct")
        if len(authors) > MAX_AUTHORS:
            raise InvalidValueError(f"a work has at most {MAX_AUTHORS} authors")

    @staticmethod
    def check_contents(title: str, body: str | None, uri: str | None, license: str | None) -> None:
        check_text("title", title, MAX_TITLE)
        if body is not None:
            check_text("body", body, MAX_BODY, required=False, prose=True)
        if uri is not None:
            check_text("uri", uri, MAX_URI)
        if license is not None:
            check_text("license", license, MAX_LICENSE)

    @staticmethod
    def check_sources(work_id: UUID, sources: Sequence[Citation]) -> None:
        ids = [citation.work_id for citation in sources]
        if not 1 <= len(ids) <= MAX_SOURCES:
            raise InvalidSourcesError(f"a remix cites 1 to {MAX_SOURCES} sources, not {len(ids)}")
        if len(set(ids)) != len(ids):
            raise InvalidSourcesError("a remix cites each source once")
        if work_id in ids:
            raise InvalidSourcesError("a work cannot be its own source")

    @property
    def source_ids(self) -> tuple[UUID, ...]:
        return tuple(citation.work_id for citation in self.sources)

    def is_authored_by(self, member_id: UUID | None) -> bool:
        return member_id in self.authors

    def check_author(self, actor_id: UUID | None, act: str) -> None:
        """Only an author, or the operator (``actor_id`` None), may ``act`` on this work."""
        if actor_id is not None and actor_id not in self.authors:
            raise NotAuthorError(f"only an author of work {self.title!r} may {act}")

    def check_not_retracted(self, act: str) -> None:
        if self.retracted:
            raise RetractedError(f"work {self.title!r} was retracted and cannot be {act}")

    class SourceCited(Aggregate.Event):
        TOPIC = "ledger.work:Work.SourceCited"
        citation: Citation
        actor_id: UUID | None
        occurred_at: datetime

    def cite_source(
        self, *, citation: Citation, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        """Add a source to this work (its author or the operator; within a remix's limits)."""
        self.check_author(actor_id, "cite its sources")
        self.check_sources(self.id, (*self.sources, citation))
        self._cite_source(citation=citation, actor_id=actor_id, occurred_at=occurred_at)

    @event(SourceCited)
    def _cite_source(
        self, *, citation: Citation, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.sources = (*self.sources, citation)

    class Retracted(Aggregate.Event):
        TOPIC = "ledger.work:Work.Retracted"
        reason: str | None
        actor_id: UUID | None
        occurred_at: datetime

    def retract(self, *, reason: str | None, actor_id: UUID | None, occurred_at: datetime) -> None:
        """Hide this work (its author or the operator), once."""
        self.check_author(actor_id, "retract it")
        self.check_not_retracted("retracted again")
        self.check_reason(reason)
        self._retract(reason=reason, actor_id=actor_id, occurred_at=occurred_at)

    @staticmethod
    def check_reason(reason: str | None) -> None:
        if reason is not None:
            check_text("reason", reason, MAX_REASON, required=False)

    @event(Retracted)
    def _retract(self, *, reason: str | None, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.retracted = True
