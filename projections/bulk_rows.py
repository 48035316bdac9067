"""The bulk rebuild's rows, and how each stored event changes them.

``BatchRows`` keeps every row of the views as a list keyed by the hex the tables
store, applies one event's stored JSON state to them (a handler per event class,
``handler_for``), and hands a batch's changed rows over as columns (``_values``).
It is a second implementation of ``ReadModelWriter`` and must give the same rows
(see ``projections.bulk``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
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

__all__ = [
    "COMMENTED_FIELDS",
    "VOTED_FIELDS",
    "BatchRows",
    "BatchValues",
    "Handler",
    "Unsupported",
]

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


class Unsupported(Exception):
    """This path cannot apply the batch exactly as the model would."""


class BatchRows:
    """The views' rows as the bulk rebuild holds them, and the current batch's changes."""

    def __init__(self, decode: EventDecoder) -> None:
        self.decode = decode
        self.names: dict[str, tuple[str, int]] = {}  # name, position
        self.works: dict[str, list[Any]] = {}
        self.members: dict[str, list[Any]] = {}
        self.votes: dict[str, list[Any]] = {}
        self.comments: dict[str, list[Any]] = {}
        self._new_batch()

    @classmethod
    def handler_for(cls, topic: str) -> Handler | None:
        """The function that applies events of ``topic`` (None: only the histories
        show them, see ``_history_only``); ``Unsupported`` when this path cannot."""
        event_class = resolve_topic(topic)
        if getattr(event_class, "class_version", 1) != 1:
            raise Unsupported(topic)
        name = _HANDLERS.get(event_class)
        if name is not None:
            handler: Handler = getattr(cls, name)
            return handler
        if issubclass(event_class, _ROW_EVENTS):
            raise Unsupported(topic)
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


Handler = Callable[[BatchRows, int, str, dict[str, Any]], None]
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


def _by_hex(rows: dict[str, list[Any]], key: UUID, convert: Callable[[list[Any]], Any]) -> Any:
    row = rows.get(key.hex)
    return None if row is None else convert(row)


def _vote_ids(vote: list[Any]) -> tuple[UUID, UUID]:
    return UUID(vote[0]), UUID(vote[1])


def _comment_work(comment: list[Any]) -> UUID:
    return UUID(comment[0])
