"""Loading several aggregates with one read of the store.

The server's group commit runs a batch of commands on one writer thread. Each
aggregate a command loads is a read transaction of its own (begin, select,
roll back), and each of those calls lets go of the GIL and waits to take it
back from the busy event loop: measured on the vote path, running five votes'
commands took 8 ms, against under 2 ms for the same commands alone. Reading the
batch's aggregates in one statement first leaves the commands nothing to read.

The statement is the library's own ``select_events`` for many ids at once, on
the table the library created; an in-memory ledger reads one at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from itertools import groupby
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

__all__ = ["read_aggregates"]

# SQLite allows 32 766 parameters per statement; a batch names far fewer.
_MOST_IDS = 500


def read_aggregates(ledger: Any, ids: Iterable[UUID]) -> dict[UUID, Aggregate]:
    """The aggregates with these ids that exist, by id (an id with no events is absent).

    Each is built from its events exactly as ``ledger.repository.get`` builds it
    (the same mapper, so upcasting applies, and the same projection).
    """
    wanted = list(dict.fromkeys(ids))
    found: dict[UUID, Aggregate] = {}
    for start in range(0, len(wanted), _MOST_IDS):
        chunk = wanted[start : start + _MOST_IDS]
        stored = _select_events(ledger.recorder, chunk)
        if stored is None:  # a store this module cannot read in bulk
            found.update(_one_at_a_time(ledger, chunk))
            continue
        for originator_id, events in groupby(stored, key=lambda event: event.originator_id):
            domain_events = [ledger.mapper.to_domain_event(event) for event in events]
            aggregate = project_aggregate(None, domain_events)
            if isinstance(aggregate, Aggregate):
                found[_uuid(originator_id)] = aggregate
    return found


def _one_at_a_time(ledger: Any, ids: Collection[UUID]) -> dict[UUID, Aggregate]:
    found: dict[UUID, Aggregate] = {}
    for aggregate_id in ids:
        try:
            found[aggregate_id] = ledger.repository.get(aggregate_id)
        except AggregateNotFoundError:
            continue
    return found


def _select_events(recorder: Any, ids: list[UUID]) -> list[StoredEvent] | None:
    """Every stored event of these originators, by originator then version; None
    when the recorder is not one of the library's SQLite or PostgreSQL recorders."""
    datastore: Any = getattr(recorder, "datastore", None)
    kind = type(datastore).__module__ if datastore is not None else ""
    if kind.startswith("eventsourcing.sqlite"):
        marks = ",".join("?" * len(ids))
        statement = (
            "SELECT originator_id, originator_version, topic, state"
            f" FROM {recorder.events_table_name} WHERE originator_id IN ({marks})"
            " ORDER BY originator_id, originator_version"
        )
        with datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, [aggregate_id.hex for aggregate_id in ids])
            rows = cursor.fetchall()
        return [
            StoredEvent(
                originator_id=recorder.convert_originator_id(row["originator_id"]),
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=row["state"],
            )
            for row in rows
        ]
    if kind.startswith("eventsourcing.postgres"):
        from psycopg.sql import SQL, Identifier

        query = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {schema}.{table}"
            " WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(schema=Identifier(datastore.schema), table=Identifier(recorder.events_table_name))
        with datastore.transaction(commit=False) as cursor:
            cursor.execute(query, [ids])
            rows = cursor.fetchall()
        return [
            StoredEvent(
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in rows
        ]
    return None


def _uuid(originator_id: UUID | str) -> UUID:
    return originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
