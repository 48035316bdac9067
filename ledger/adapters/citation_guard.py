"""Keep the lineage acyclic when several processes cite sources at once.

A citation is checked against the state its command read. Two processes citing
A -> B and B -> A each read a state without the other's citation, both checks
pass, and the two events touch different aggregates, so the store's uniqueness
does not stop them either: together they close a cycle. So every save that
records a citation takes one lock shared by all writers of the ledger, checks
again against the store as it is now, and saves before letting go.

The lock is the backend's own: a PostgreSQL advisory lock, an ``flock`` on a
file beside an SQLite database, or a thread lock for a ledger held in memory.
Citations after the fact are rare (a remix names its sources when it is
created, and a new work cannot close a cycle), so serialising them costs little.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.domain.errors import CycleError
from ledger.domain.work import Work

if TYPE_CHECKING:
    from eventsourcing.domain import DomainEventProtocol

__all__ = [
    "CitationLock",
    "check_citations_acyclic",
    "citation_lock_for",
    "cycle_error",
    "is_ancestor",
    "records_citation",
]

CitationLock = Callable[[], AbstractContextManager[object]]

# An arbitrary constant that names "remix-ledger is recording a citation".
_CITATION_LOCK_KEY = 0x52454D4943495445


def records_citation(events: Sequence[DomainEventProtocol[UUID]]) -> bool:
    return any(isinstance(event, Work.SourceCited) for event in events)


def citation_lock_for(env: dict[str, str], connect: Callable[[], Any]) -> CitationLock:
    """The lock every writer of the ledger configured by ``env`` shares.

    ``connect`` opens a PostgreSQL connection in autocommit mode (used only there).
    """
    module = env.get("PERSISTENCE_MODULE", "")
    if module.endswith("postgres"):
        return lambda: _advisory_lock(connect)
    if module.endswith("sqlite") and ":memory:" not in env.get("SQLITE_DBNAME", ":memory:"):
        return lambda: _file_lock(env["SQLITE_DBNAME"] + ".citations.lock")
    lock = threading.Lock()  # one ledger in one process: a thread lock is enough
    return lambda: lock


@contextmanager
def _advisory_lock(connect: Callable[[], Any]) -> Iterator[None]:
    with connect() as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (_CITATION_LOCK_KEY,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (_CITATION_LOCK_KEY,))


@contextmanager
def _file_lock(path: str) -> Iterator[None]:
    with Path(path).open("a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_citations_acyclic(
    events: Sequence[DomainEventProtocol[UUID]],
    stored_work: Callable[[UUID], Work | None],
) -> None:
    """Raise ``CycleError`` if the citations in ``events`` would close a cycle.

    ``stored_work`` reads a work from the store as it is now (None when absent).
    Works created and citations made earlier in ``events`` count as well.
    """
    pending: dict[UUID, list[UUID]] = {}
    titles: dict[UUID, str] = {}

    def sources_of(current: UUID) -> list[UUID]:
        stored = stored_work(current)
        known = [] if stored is None else list(stored.source_ids)
        return known + pending.get(current, [])

    for event in events:
        work_id = event.originator_id
        if isinstance(event, Work.Contributed):
            remixed = getattr(event, "sources", ())
            pending[work_id] = [citation.work_id for citation in remixed]
            titles[work_id] = event.title
        elif isinstance(event, Work.SourceCited):
            source_id = event.citation.work_id
            if is_ancestor(work_id, source_id, sources_of):
                title = titles.get(work_id) or _title(stored_work(work_id))
                source_title = titles.get(source_id) or _title(stored_work(source_id))
                raise cycle_error(source_title, title)
            pending.setdefault(work_id, []).append(source_id)


def is_ancestor(work_id: UUID, start: UUID, sources_of: Callable[[UUID], Iterable[UUID]]) -> bool:
    """True when ``work_id`` is ``start`` or one of its ancestors.

    Citing ``start`` as a source of ``work_id`` closes a cycle exactly then.
    """
    seen: set[UUID] = set()
    stack = [start]
    while stack:
        current = stack.pop()
        if current == work_id:
            return True
        if current in seen:
            continue
        seen.add(current)
        stack.extend(sources_of(current))
    return False


def cycle_error(source_title: str, title: str) -> CycleError:
    return CycleError(
        f"citing {source_title!r} as a source of {title!r} would make {title!r} its own ancestor"
    )


def _title(work: Work | None) -> str:
    return "?" if work is None else work.title
