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
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import IntegrityError, Notification, Tracking
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import resolve_topic

from ledger.application.history import Namebook
from ledger.domain.comment import Comment
from ledger.domain.member import HandleClaim, Member
from ledger.domain.vote import Vote
from ledger.domain.work import Work
from projections.decoding import EventDecoder
from projections.scores import hours_since_epoch, log_abs_net, wilson_lower_bound
from projections.staging import Lookup
from projections.storable import storable_text
from projections.store import UPSTREAM

__all__ = ["COMMENTED_FIELDS", "VOTED_FIELDS", "BatchValues", "BulkRebuild"]

# The bulk path reads a batch's notifications in pages of this many.
READ_PAGE = 10_000
# The raw SQLite read of the log (``BulkRebuild._reader``): the columns, in the
# library's 9.5 layout, and how many of the log's first rows it is checked on.
RAW_COLUMNS = "rowid, originator_id, originator_version, topic, state"
RAW_CHECK_ROWS = 100

# The columns of one batch, per table (TABLES, "edges", "history_subjects").
BatchValues = dict[str, list[tuple[Any, ...]]]

# Row layouts (lists, changed in place), keyed by hex id:
# works:    title, kind, authors (hex tuple), fixed columns, position, retracted,
#           up, down, comments, direct_remixes
# members:  handle, name, works, remixes_received, votes_up, votes_down
# votes:    member, work, value
# comments: work, retracted
_W_AUTHORS, _W_FIXED, _W_POSITION, _W_RETRACTED = 2, 3, 4, 5
_W_UP, _W_DOWN, _W_COMMENTS, _W_REMIXES = 6, 7, 8, 9
_M_NAME, _M_WORKS, _M_REMIXES, _M_UP, _M_DOWN = 1, 2, 3, 4, 5

# The classes whose events change rows; only those handled here exactly are
# applied by this path, a subclass of any other ends it.
_ROW_EVENTS = (
    Member.Registered,
    Member.Renamed,
    Work.Contributed,
    Work.SourceCited,
    Work.Retracted,
    Comment.Commented,
    Comment.CommentRetracted,
    Vote.Voted,
    Vote.VoteChanged,
    Vote.VoteWithdrawn,
    HandleClaim.Claimed,
)


class _Unsupported(Exception):
    """This path cannot apply the batch exactly as the model would."""


class BulkRebuild:
    """Rebuilds an empty SQL store from position 0; ``run`` returns where it stopped."""

    def __init__(self, ledger: Any, store: Any, decode: EventDecoder, batch_size: int) -> None:
        self.ledger = ledger
        self.store = store
        self.decode = decode
        self.batch_size = batch_size
        self.names: dict[str, tuple[str, int]] = {}  # name, position
        self.works: dict[str, list[Any]] = {}
        self.members: dict[str, list[Any]] = {}
        self.votes: dict[str, list[Any]] = {}
        self.comments: dict[str, list[Any]] = {}
        # Handlers as the class's functions, not bound methods: bound methods kept
        # here would make a reference cycle through self, and the rows it holds
        # (millions of objects) would wait for the cyclic collector (a 1.5 s pause at
        # 1M) instead of being freed as the rebuild ends.
        self._handlers: dict[str, _Handler | None] = {}
        # Whether the log is read by the raw SQLite query (see ``_reader``).
        self.raw_reads = False
        self._new_batch()

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
            except _Unsupported:
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
            handler = self._handlers[topic] = self._handler_for(topic)
        if type(originator) is not str or len(originator) != 32:
            raise _Unsupported(topic)  # not a UUID's hex
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
            raise _Unsupported(topic)
        handler(self, position, originator, state)

    def _handler_for(self, topic: str) -> _Handler | None:
        cls = resolve_topic(topic)
        if getattr(cls, "class_version", 1) != 1:
            raise _Unsupported(topic)
        name = _HANDLERS.get(cls)
        if name is not None:
            handler: _Handler = getattr(type(self), name)
            return handler
        if issubclass(cls, _ROW_EVENTS):
            raise _Unsupported(topic)
        return None

    def _history(self, position: int, ids: list[str]) -> None:
        subjects = self.subjects
        for subject in dict.fromkeys(ids):
            subjects.append((subject, position))

    def _vote_history(self, position: int, originator: str, ids: list[str]) -> None:
        # A vote's own id is no one's subject; its member and work are.
        subjects = self.subjects
        for subject in dict.fromkeys(ids):
            if subject != originator:
                subjects.append((subject, position))

    # -- members

    def _claimed(self, position: int, originator: str, state: dict[str, Any]) -> None:
        return

    def _registered(self, position: int, originator: str, state: dict[str, Any]) -> None:
        handle = storable_text(state["handle"], "handle", position)
        self.names[originator] = ("@" + handle, position)
        self.dirty_names.add(originator)
        self._history(position, _ids(originator, state))
        name = storable_text(state["name"], "name", position)
        self.members[originator] = [handle, name, 0, 0, 0, 0]
        self.dirty_members.add(originator)

    def _renamed(self, position: int, originator: str, state: dict[str, Any]) -> None:
        self._history(position, _ids(originator, state))
        self.members[originator][_M_NAME] = storable_text(state["name"], "name", position)
        self.dirty_members.add(originator)

    # -- works

    def _contributed(self, position: int, originator: str, state: dict[str, Any]) -> None:
        title = storable_text(state["title"], "title", position)
        self.names[originator] = (repr(state["title"]), position)
        self.dirty_names.add(originator)
        authors = tuple(author["_data_"] for author in state["authors"])
        self._history(position, _ids(originator, state))
        created_at = state["occurred_at"]["_data_"]
        created = datetime.fromisoformat(created_at)
        fixed = (
            # json.dumps(list(authors)), for what needs no escaping (hex).
            '["' + '", "'.join(authors) + '"]' if authors else "[]",
            created_at,  # as stored: the library writes isoformat(), which round-trips
            created.timestamp(),
            hours_since_epoch(created),
        )
        work = [title, state["kind"], authors, fixed, position, False, 0, 0, 0, 0]
        self.works[originator] = work
        self.dirty_works.add(originator)
        members = self.members
        for author in authors:
            members[author][_M_WORKS] += 1
            self.dirty_members.add(author)
        for source in state.get("sources", ()):
            self._cited(originator, work, source["_data_"], position)

    def _cited(
        self, work_id: str, work: list[Any], citation: dict[str, Any], position: int
    ) -> None:
        source_id = citation["work_id"]
        source = self.works[source_id]
        source[_W_REMIXES] += 1
        self.dirty_works.add(source_id)
        self.edges.append((source_id, work_id, citation["relation"], position))
        authors = work[_W_AUTHORS]
        members = self.members
        for author in source[_W_AUTHORS]:
            if author not in authors:
                members[author][_M_REMIXES] += 1
                self.dirty_members.add(author)

    def _source_cited(self, position: int, originator: str, state: dict[str, Any]) -> None:
        self._history(position, _ids(originator, state))
        self._cited(originator, self.works[originator], state["citation"]["_data_"], position)

    def _retracted(self, position: int, originator: str, state: dict[str, Any]) -> None:
        self._history(position, _ids(originator, state))
        work = self.works[originator]
        work[_W_RETRACTED] = True
        self.dirty_works.add(originator)
        members = self.members
        for author in work[_W_AUTHORS]:
            members[author][_M_WORKS] -= 1
            self.dirty_members.add(author)

    # -- comments

    def _commented(self, position: int, originator: str, state: dict[str, Any]) -> None:
        work_id = state["work_id"]["_data_"]
        if len(state) == _COMMENTED_FIELDS:  # the ids _ids would find, without its scan
            actor = state["actor_id"]
            author = state["author_id"]["_data_"]
            ids = [originator, work_id, author]
            if actor is not None:
                ids.append(actor["_data_"])
        else:
            ids = _ids(originator, state)
        self._history(position, ids)
        self.comments[originator] = [work_id, False]
        self.dirty_comments.add(originator)
        self._count_comment(work_id, +1)

    def _comment_retracted(self, position: int, originator: str, state: dict[str, Any]) -> None:
        comment = self.comments[originator]
        work_id = comment[0]
        ids = _ids(originator, state)
        ids.append(work_id)
        self._history(position, ids)
        comment[1] = True
        self.dirty_comments.add(originator)
        self._count_comment(work_id, -1)

    def _count_comment(self, work_id: str, change: int) -> None:
        self.works[work_id][_W_COMMENTS] += change
        self.dirty_works.add(work_id)

    # -- votes

    def _voted(self, position: int, originator: str, state: dict[str, Any]) -> None:
        member, work = state["member_id"]["_data_"], state["work_id"]["_data_"]
        if len(state) == _VOTED_FIELDS:  # the ids _ids would find, without its scan
            actor = state["actor_id"]
            ids = [member, work] if actor is None else [member, work, actor["_data_"]]
        else:
            ids = _ids(originator, state)
        self._vote_history(position, originator, ids)
        vote = [member, work, 0]
        self.votes[originator] = vote
        self._set_vote(originator, vote, state["value"])

    def _vote_changed(self, position: int, originator: str, state: dict[str, Any]) -> None:
        vote = self.votes[originator]
        ids = _ids(originator, state)
        ids.extend(vote[:2])
        self._vote_history(position, originator, ids)
        self._set_vote(originator, vote, state["value"])

    def _vote_withdrawn(self, position: int, originator: str, state: dict[str, Any]) -> None:
        vote = self.votes[originator]
        ids = _ids(originator, state)
        ids.extend(vote[:2])
        self._vote_history(position, originator, ids)
        self._set_vote(originator, vote, 0)

    def _set_vote(self, vote_id: str, vote: list[Any], value: int) -> None:
        work_id = vote[1]
        work = self.works[work_id]
        old = vote[2]
        up = (value == 1) - (old == 1)
        down = (value == -1) - (old == -1)
        work[_W_UP] += up
        work[_W_DOWN] += down
        self.dirty_works.add(work_id)
        members = self.members
        for author in work[_W_AUTHORS]:
            member = members[author]
            member[_M_UP] += up
            member[_M_DOWN] += down
            self.dirty_members.add(author)
        vote[2] = value
        self.dirty_votes.add(vote_id)

    # -- events only the histories show

    def _history_only(self, row: Sequence[Any]) -> None:
        """Decoded into an event, its ids and name found by ``Namebook`` itself."""
        position, originator, version, topic, state = row
        event = self.decode(
            Notification(
                id=position,
                originator_id=UUID(originator),
                originator_version=version,
                topic=topic,
                state=state,
            )
        )
        book = Namebook(
            votes=Lookup(lambda key: _by_hex(self.votes, key, _vote_ids)),
            comments=Lookup(lambda key: _by_hex(self.comments, key, _comment_work)),
        )
        name = Namebook.name_given(event)
        if name is not None:
            key = event.originator_id.hex
            self.names[key] = (name, position)
            self.dirty_names.add(key)
        self.subjects.extend((each.hex, position) for each in book.involved(event))

    # -- the batch's columns

    def _new_batch(self) -> None:
        self.dirty_works: set[str] = set()
        self.dirty_members: set[str] = set()
        self.dirty_votes: set[str] = set()
        self.dirty_comments: set[str] = set()
        self.dirty_names: set[str] = set()
        self.edges: list[tuple[Any, ...]] = []
        self.subjects: list[tuple[Any, ...]] = []

    def _values(self) -> BatchValues:
        works, members, votes, comments, names = (
            self.works,
            self.members,
            self.votes,
            self.comments,
            self.names,
        )
        values: BatchValues = {
            "works": [_work_values(key, works[key]) for key in self.dirty_works],
            "members": [(key, *members[key]) for key in self.dirty_members],
            "votes": [(key, *votes[key]) for key in self.dirty_votes],
            "comments": [
                (key, comments[key][0], int(comments[key][1])) for key in self.dirty_comments
            ],
            "names": [(key, *names[key]) for key in self.dirty_names],
            "edges": self.edges,
            "history_subjects": self.subjects,
        }
        return values


_Handler = Callable[[BulkRebuild, int, str, dict[str, Any]], None]
_HANDLERS = {
    Member.Registered: "_registered",
    Member.Renamed: "_renamed",
    Work.Contributed: "_contributed",
    Work.Remixed: "_contributed",
    Work.SourceCited: "_source_cited",
    Work.Retracted: "_retracted",
    Comment.Commented: "_commented",
    Comment.CommentRetracted: "_comment_retracted",
    Vote.Voted: "_voted",
    Vote.VoteChanged: "_vote_changed",
    Vote.VoteWithdrawn: "_vote_withdrawn",
    HandleClaim.Claimed: "_claimed",
}
_MISSING: Any = object()
# The stored fields of the two commonest events (votes and comments): a state with
# exactly these many holds the ids their handlers pick out directly, in _ids's
# order (tests/projections/test_bulk_rebuild.py checks the fields against stored events).
VOTED_FIELDS = (
    "timestamp",
    "originator_topic",
    "member_id",
    "work_id",
    "value",
    "actor_id",
    "occurred_at",
    "idempotency_key",
)
COMMENTED_FIELDS = (
    "timestamp",
    "originator_topic",
    "work_id",
    "author_id",
    "text",
    "external_id",
    "actor_id",
    "occurred_at",
)
_VOTED_FIELDS, _COMMENTED_FIELDS = len(VOTED_FIELDS), len(COMMENTED_FIELDS)
_loads = orjson.loads


def _ids(originator: str, state: dict[str, Any]) -> list[str]:
    """``Namebook.involved`` on the stored state: its aggregate, then the ids in its payload
    in field order (the look-ups of votes and comments are added by their handlers)."""
    ids = [originator]
    for value in state.values():
        kind = type(value)
        if kind is dict:
            if value.get("_type_") == "uuid_hex":
                ids.append(value["_data_"])
        elif kind is list:
            for item in value:
                if type(item) is dict and item.get("_type_") == "uuid_hex":
                    ids.append(item["_data_"])
            for item in value:
                if type(item) is dict and item.get("_type_") == "citation":
                    ids.append(item["_data_"]["work_id"])
    citation = state.get("citation")
    if citation is not None:
        ids.append(citation["_data_"]["work_id"])
    return ids


def _work_values(key: str, work: list[Any]) -> tuple[Any, ...]:
    up, down = work[_W_UP], work[_W_DOWN]
    net = up - down
    authors, created_at, created_epoch, hours = work[_W_FIXED]
    return (
        key,
        work[0],
        work[1],
        authors,
        created_at,
        created_epoch,
        hours,
        work[_W_POSITION],
        int(work[_W_RETRACTED]),
        up,
        down,
        work[_W_COMMENTS],
        work[_W_REMIXES],
        wilson_lower_bound(up, down),
        (net > 0) - (net < 0),
        log_abs_net(up, down),
    )


def _hex(originator_id: Any) -> str | None:
    return originator_id.hex if type(originator_id) is UUID else None


def _by_hex(rows: dict[str, list[Any]], key: UUID, convert: Callable[[list[Any]], Any]) -> Any:
    row = rows.get(key.hex)
    return None if row is None else convert(row)


def _vote_ids(vote: list[Any]) -> tuple[UUID, UUID]:
    return UUID(vote[0]), UUID(vote[1])


def _comment_work(comment: list[Any]) -> UUID:
    return UUID(comment[0])
