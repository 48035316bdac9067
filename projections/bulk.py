"""A rebuild that reads the stored JSON as it is: no event objects, ids as hex strings.

``Projector.rebuild`` on an SQL store starts here. ``ReadModelWriter`` builds one
event object per notification (UUIDs, datetimes) and rows of objects, which the
store then turns back into hex and ISO text; most of a rebuild went into those
round trips and into ``UUID.__hash__``. This module parses each event's state
with a plain ``json.loads``, keeps every row as a list keyed by the hex the
tables store, and hands the store the columns themselves (``commit_values``).
Times are written as stored: the library writes ``datetime.isoformat()``, which
``fromisoformat`` reads back into a datetime whose ``isoformat()`` is the same text.

It is a second implementation of ``ReadModelWriter`` (and of ``Namebook``'s ids
and names), and must give the same rows: the Hypothesis test that views kept
batch by batch equal a rebuild (SQLite and PostgreSQL) compares the two.

It covers exactly the events whose rows the model changes (members, works,
comments, votes), as the library stores them. An event of a class only the
histories show (productions, roles...) is decoded and its ids found by
``Namebook`` itself. Anything else (a subclass it does not know, an upcast event, a state it
cannot read, a row missing, a batch already applied) ends this path at the last
batch it committed: the projector goes on from there the ordinary way, which
reads the rows back from the store, so the result is the same either way.
Every batch is still one transaction with its tracking position.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.sqlite import SQLiteApplicationRecorder

from projections.bulk_rows import BatchRows, Handler, Unsupported
from projections.decoding import EventDecoder
from projections.store import UPSTREAM

__all__ = ["BulkRebuild"]

# The bulk path reads a batch's notifications in pages of this many.
READ_PAGE = 10_000
# The raw SQLite read of the log (``BulkRebuild._reader``): the columns, in the
# library's 9.5 layout, and how many of the log's first rows it is checked on.
RAW_COLUMNS = "rowid, originator_id, originator_version, topic, state"
RAW_CHECK_ROWS = 100


class BulkRebuild(BatchRows):
    """Rebuilds an empty SQL store from position 0; ``run`` returns where it stopped."""

    def __init__(self, ledger: Any, store: Any, decode: EventDecoder, batch_size: int) -> None:
        super().__init__(decode)
        self.ledger = ledger
        self.store = store
        self.batch_size = batch_size
        # Handlers as the class's functions, not bound methods: bound methods kept
        # here would make a reference cycle through self, and the rows it holds
        # (millions of objects) would wait for the cyclic collector (a 1.5 s pause at
        # 1M) instead of being freed as the rebuild ends.
        self._handlers: dict[str, Handler | None] = {}
        # Whether the log is read by the raw SQLite query (see ``_reader``).
        self.raw_reads = False

    def run(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Apply batches until the log's head or the first batch this path cannot apply.

        A batch of ``batch_size`` events is read in pages of ``READ_PAGE`` (the
        notifications of a whole batch need not be held at once) and committed in
        one transaction; ``on_progress`` hears of each page applied.
        """
        position = 0  # committed
        applied = 0  # applied to the rows held here, not yet committed
        read = self._reader()
        while True:
            limit = min(READ_PAGE, position + self.batch_size - applied)
            notifications = read(applied + 1, limit)
            try:
                for notification in notifications:
                    self._apply(notification)
            except Unsupported:
                return position
            except (KeyError, TypeError, ValueError, AttributeError):
                # A row or field missing: the ordinary path reports it as it does.
                return position
            if notifications:
                applied = notifications[-1][0]
                if on_progress is not None:
                    on_progress(applied)
                if len(notifications) == limit and applied - position < self.batch_size:
                    continue
            if applied == position:
                return position
            if (self.store.max_tracking_id(UPSTREAM) or 0) != position:
                # Another projector wrote meanwhile: the rows held here may be stale.
                return position
            try:
                self.store.commit_values(self._values(), Tracking(UPSTREAM, applied))
            except IntegrityError:
                return position  # another projector wrote this batch
            position = applied
            self._new_batch()

    # -- one event

    def _reader(self) -> Callable[[int, int], Sequence[Any]]:
        """Reads pages of the log as (id, originator id in hex, version, topic, state) rows.

        From an SQLite ledger, by the query ``select_notifications`` makes but without
        its ``Notification`` and ``UUID`` objects: the library stores a UUID
        originator id as its hex, the very text the views store (at 1M events, 1.3
        against 4.1 us an event of CPU). That query is the library's table layout
        written out here, so the first rows are read both ways and compared: if
        they differ (another layout), or the query fails, the library reads.
        """
        recorder = self.ledger.recorder

        def read_notifications(start: int, limit: int) -> Sequence[Any]:
            return [
                (n.id, _hex(n.originator_id), n.originator_version, n.topic, n.state)
                for n in recorder.select_notifications(start=start, limit=limit)
            ]

        if not (
            isinstance(recorder, SQLiteApplicationRecorder)
            and recorder.datastore.originator_id_type == "uuid"
        ):
            return read_notifications
        statement = (
            f"SELECT {RAW_COLUMNS} FROM {recorder.events_table_name}"
            " WHERE rowid>=? ORDER BY rowid LIMIT ?"
        )

        def read_rows(start: int, limit: int) -> Sequence[Any]:
            with recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(statement, (start, limit))
                return cursor.fetchall()  # type: ignore[no-any-return]

        try:
            raw = [tuple(row) for row in read_rows(1, RAW_CHECK_ROWS)]
            agrees = raw == read_notifications(1, RAW_CHECK_ROWS)
        except Exception:  # any failure of the raw query means: do not use it
            agrees = False
        self.raw_reads = agrees
        return read_rows if agrees else read_notifications

    def _apply(self, notification: Sequence[Any]) -> None:
        position, originator, _, topic, stored = notification
        handler = self._handlers.get(topic, _MISSING)
        if handler is _MISSING:
            handler = self._handlers[topic] = self.handler_for(topic)
        if type(originator) is not str or len(originator) != 32:
            raise Unsupported(topic)  # not a UUID's hex
        if handler is None:
            self._history_only(notification)
            return
        try:
            # orjson reads the stored bytes twice as fast as the standard library
            # (1.6 against 3.5 s for a 1M-event log). It reads an integer past 64
            # bits as a float where json gives an int; the only integer this path
            # takes from a state is a vote's value, which the ledger keeps to +1/-1.
            state = _loads(stored)
        except orjson.JSONDecodeError:  # what orjson refuses (NaN, Infinity): as before
            state = json.loads(stored)
        if type(state) is not dict or "class_version" in state:
            raise Unsupported(topic)
        handler(self, position, originator, state)


_MISSING: Any = object()
_loads = orjson.loads


def _hex(originator_id: Any) -> str | None:
    return originator_id.hex if type(originator_id) is UUID else None
