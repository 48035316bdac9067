"""The works built on a work, found in the log (the ledger keeps no index of them).

A citation added to a work W after the fact raises the stacked royalty claim of
W and of every work built on W (``ledger.royalty_stack``), so ``cite`` must
find those works. Keeping an index of derived works would cost every remix and
the import a write; citations after the fact are rare, so ``cite`` reads the
log's work events once instead, through the recorder's public
``select_notifications`` (the same on memory, SQLite and PostgreSQL).

Where events are stored as plain JSON, the cited ids are read from the bytes
(``"work_id":"<hex>"``, the ``Citation`` transcoding) without decoding the
events, in one query on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, JSONTranscoder, Mapper, Notification
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic

from ledger.domain.work import Work

__all__ = ["CITING_TOPICS", "citing_works", "derived_works", "may_be_cited"]

#: The events that can name a work's sources.
CITING_TOPICS = tuple(get_topic(cls) for cls in (Work.Contributed, Work.Remixed, Work.SourceCited))

# A cited id in a stored event, as ``ledger.transcodings.CitationAsDict`` writes it.
_CITED_ID = re.compile(rb'"work_id"\s*:\s*"([0-9a-f]{32})"')
# Every event that cites a work holds this key (an original holds none).
_CITATION_KEY = b'"work_id"'
_PAGE = 10_000


def may_be_cited(recorder: ApplicationRecorder, mapper: Mapper[UUID], work_id: UUID) -> bool:
    """False when no work event in the log names ``work_id``: nothing is built on it.

    One query on SQLite and PostgreSQL over the stored JSON (a tenth of the time of
    ``citing_works`` on a large ledger), which answers for most works, the recent
    ones; True (look further) where the events cannot be searched so.
    """
    if not _plain(mapper):
        return True
    found = _search(recorder, work_id.hex.encode(), first_only=True)
    return True if found is None else bool(found)


def citing_works(recorder: ApplicationRecorder, mapper: Mapper[UUID]) -> dict[str, set[str]]:
    """For each cited work, the works in the log that cite it (as ``UUID.hex``)."""
    citing: dict[str, set[str]] = {}
    plain = (
        type(mapper.transcoder) is JSONTranscoder and not mapper.cipher and not mapper.compressor
    )
    if not plain:
        for notification in _work_events(recorder):
            originator = _hex(notification.originator_id)
            for work_id in _decoded_cited_ids(mapper, notification):
                citing.setdefault(work_id.hex, set()).add(originator)
        return citing
    findall = _CITED_ID.findall
    for originator_id, state in _work_rows(recorder):
        originator = _hex(originator_id)
        for found in findall(state):
            cited = found.decode()
            known = citing.get(cited)
            if known is None:
                citing[cited] = {originator}
            else:
                known.add(originator)
    return citing


def derived_works(work_id: str, citing: dict[str, set[str]]) -> list[str]:
    """The works built on ``work_id``, directly or not, nearest first (as ``UUID.hex``)."""
    found: dict[str, None] = {}
    frontier = [work_id]
    while frontier:
        following: list[str] = []
        for current in frontier:
            for derived in sorted(citing.get(current, ())):
                if derived not in found and derived != work_id:
                    found[derived] = None
                    following.append(derived)
        frontier = following
    return list(found)


def _work_rows(recorder: ApplicationRecorder) -> Iterable[tuple[UUID | str, bytes]]:
    """Each work event's originator id and stored state, read in one query where it can be.

    The recorder's ``select_notifications`` builds a ``Notification`` (and a UUID)
    a row, which is most of the time of a pass over a large ledger.
    """
    found = _search(recorder, _CITATION_KEY, first_only=False)
    if found is not None:
        return found
    return [(n.originator_id, n.state) for n in _work_events(recorder)]


def _plain(mapper: Mapper[UUID]) -> bool:
    """True when stored states are the transcoder's JSON bytes, searchable as they are."""
    return type(mapper.transcoder) is JSONTranscoder and not mapper.cipher and not mapper.compressor


def _search(
    recorder: ApplicationRecorder, term: bytes, *, first_only: bool
) -> list[tuple[UUID | str, bytes]] | None:
    """The work events whose stored state holds ``term`` (one at most with
    ``first_only``), found by the database; None where it cannot search."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        marks = ",".join("?" * len(CITING_TOPICS))
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT originator_id, state FROM {recorder.events_table_name}"
                f" WHERE topic IN ({marks}) AND instr(state, ?) > 0"
                + (" LIMIT 1" if first_only else ""),
                (*CITING_TOPICS, term),
            )
            return [(row[0], row[1]) for row in cursor.fetchall()]
    # By the datastore: the recorder may be a subclass (the tree-keeping one).
    if type(getattr(recorder, "datastore", None)).__module__ != "eventsourcing.postgres":
        return None
    from psycopg.sql import SQL, Identifier  # only where PostgreSQL is used

    statement = SQL(
        "SELECT originator_id, state FROM {schema}.{table}"
        " WHERE topic = ANY(%s) AND position(%s::bytea in state) > 0"
        + (" LIMIT 1" if first_only else "")
    ).format(
        schema=Identifier(recorder.datastore.schema),  # type: ignore[attr-defined]
        table=Identifier(recorder.events_table_name),  # type: ignore[attr-defined]
    )
    with recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute(statement, (list(CITING_TOPICS), term))
        return [(row["originator_id"], bytes(row["state"])) for row in cursor.fetchall()]


def _hex(originator_id: UUID | str) -> str:
    if isinstance(originator_id, UUID):
        return originator_id.hex
    if len(originator_id) == 32:  # SQLite stores ids as UUID.hex already
        return originator_id.lower()
    return UUID(originator_id).hex


def _work_events(recorder: ApplicationRecorder) -> Iterator[Notification]:
    start = 1
    while True:
        page = recorder.select_notifications(start, _PAGE, topics=CITING_TOPICS)
        yield from page
        if len(page) < _PAGE:
            return
        start = page[-1].id + 1


def _decoded_cited_ids(mapper: Mapper[UUID], notification: Notification) -> Iterable[UUID]:
    event = mapper.to_domain_event(notification)
    if isinstance(event, Work.SourceCited):
        return (event.citation.work_id,)
    return (citation.work_id for citation in getattr(event, "sources", ()))
