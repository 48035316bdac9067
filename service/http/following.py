"""What a server process keeps current with the log: its lineage graph and the read models.

The lineage graph lives in memory for the life of the process and follows the
log: on PostgreSQL (and in memory) woken by the library's subscription
(LISTEN/NOTIFY), on SQLite, which has no subscription, by polling the head. A
request reads the graph under a lock, so it never sees half of an event applied.

The read models are projected exactly once per ledger: in a thread of this
process on SQLite and in memory (one server process), and on PostgreSQL by the
one server process that holds an advisory lock (``elected``), or by a separate
``remix-ledger projections run`` (``external``). When the elected process dies,
its session and so its lock go with it, and another process takes over within
a second.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from uuid import UUID

from ledger import Ledger
from ledger.adapters.settings import DatabaseSetting
from ledger.application.log import iter_events
from ledger.domain.identity import work_id_for
from lineage.graph import LineageGraph
from lineage.graph_state import LINEAGE_EVENTS
from projections.projector import Projector, ReadModelsBehindError
from service.http.outages import Outage

__all__ = ["LiveLineage", "start_projector"]

_log = logging.getLogger("remix_ledger.http")
_RETRY_SECONDS = 1.0
#: After repeated failures the retries back off, doubling up to this: a failure
#: that lasts (a database gone, a row it cannot write) costs a line a minute in
#: the log, not dozens a second.
_MAX_RETRY_SECONDS = 60.0
_BACKSTOP_SECONDS = 1.0
_KEPT_ANSWERS = 256
T = TypeVar("T")


class LiveLineage:
    """A lineage graph that follows the ledger's log, read under a lock."""

    def __init__(self, ledger: Ledger, graph: LineageGraph, *, poll_interval: float) -> None:
        self.ledger = ledger
        self._graph = graph
        self._changed = threading.Condition(threading.Lock())
        self.poll_interval = poll_interval
        #: Counts the lineage events applied since the server started: an answer
        #: computed from the graph holds until it changes (votes and comments,
        #: most of a community's log, do not change it).
        self.version = 0
        self.answers: OrderedDict[tuple[Any, ...], tuple[int, Any]] = OrderedDict()

    @property
    def position(self) -> int:
        return self._graph.position

    @contextlib.contextmanager
    def reading(
        self,
        after: int | None = None,
        timeout: float = 5.0,
        *,
        holds: Callable[[LineageGraph], bool] | None = None,
    ) -> Iterator[LineageGraph]:
        """The graph, held still while the block runs. With ``after``, first wait (up
        to ``timeout`` seconds) until it includes that position; with ``holds``, until
        it holds a record the ledger has (one just recorded, perhaps by another process)."""

        def ready() -> bool:
            graph = self._graph
            return (after is None or graph.position >= after) and (holds is None or holds(graph))

        with self._changed:
            if not self._changed.wait_for(ready, timeout):
                raise ReadModelsBehindError(
                    f"the lineage graph (at position {self._graph.position}) did not reach"
                    f" {'the record asked for' if after is None else f'position {after}'}"
                    f" within {timeout:g}s"
                )
            yield self._graph

    def find_work(self, reference: str) -> UUID:
        """A work id from its id or external id: from the graph when it has the work
        (no read of the store), else from the ledger (a work the graph has not seen
        yet, or none: ``UnknownWorkError``)."""
        known = self.known_work(reference)
        return known if known is not None else self.ledger.find_work(reference)

    def known_work(self, reference: str) -> UUID | None:
        """The work id from its id or external id if the graph has the work, else None
        (never a read of the store: safe on the event loop)."""
        text = reference.strip()
        candidates = [work_id_for(text)] if text else []
        with contextlib.suppress(ValueError):
            candidates.insert(0, UUID(text))
        for candidate in candidates:
            if self._graph.has_work(candidate):  # one dict lookup: safe without the lock
                return candidate
        return None

    def remembered(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """``compute()``'s answer for ``key``, kept while the lineage does not change.

        Call it while reading the graph (``reading``): the version cannot move then.
        """
        kept = self.answers.get(key)
        if kept is not None and kept[0] == self.version:
            self.answers.move_to_end(key)
            answer: T = kept[1]
            return answer
        answer = compute()
        self.answers[key] = (self.version, answer)
        self.answers.move_to_end(key)
        while len(self.answers) > _KEPT_ANSWERS:
            self.answers.popitem(last=False)
        return answer

    def catch_up(self) -> int:
        """Apply what the log holds beyond the graph's position."""
        head = self.ledger.head
        if head <= self._graph.position:
            return self._graph.position
        with self._changed:
            graph = self._graph
            for position, event in iter_events(
                self.ledger, start=graph.position + 1, only=LINEAGE_EVENTS
            ):
                graph.apply(position, event)
                if event is not None:
                    self.version += 1
            self._changed.notify_all()
            return self._graph.position

    def run(self, stop: threading.Event) -> None:
        """Follow the log until ``stop`` is set."""
        _keep_going(stop, lambda: self._follow(stop), "the lineage graph")

    def _follow(self, stop: threading.Event) -> None:
        self.catch_up()
        try:
            subscription = self.ledger.recorder.subscribe(gt=self._graph.position)
        except NotImplementedError:
            while not stop.is_set():
                self.catch_up()
                stop.wait(self.poll_interval)
            return
        with subscription:
            reader = threading.Thread(
                target=self._read, args=(subscription,), name="lineage-subscription", daemon=True
            )
            reader.start()
            while not stop.is_set() and reader.is_alive():
                # A backstop: the library's in-memory subscription can miss events
                # recorded while it starts (it listens only after its first read).
                stop.wait(_BACKSTOP_SECONDS)
                self.catch_up()
            subscription.stop()
        reader.join(timeout=2)

    def _read(self, subscription: Any) -> None:
        # Each notification only wakes the graph: one catch-up applies a whole burst.
        for notification in subscription:
            if notification.id > self._graph.position:
                self.catch_up()


def start_projector(
    projector: Projector,
    setting: DatabaseSetting,
    mode: str,
    stop: threading.Event,
    poll_interval: float,
) -> threading.Thread | None:
    """Start projecting the read models as ``mode`` says; None for ``external``.

    In a thread of this process (SQLite, memory) the log is polled: SQLite has no
    subscription, and the in-memory one can miss events recorded while it starts.
    """
    if mode == "external":
        return None

    def keep_projecting(follow: Callable[[], None], outage: Outage | None = None) -> None:
        _keep_going(
            stop,
            follow,
            "the read models",
            outage,
            on_failure=projector.failed,
            progress=lambda: projector.position,
        )

    if mode == "thread":
        outage = Outage("the read models")
        target: Callable[[], None] = lambda: keep_projecting(  # noqa: E731
            lambda: _poll(projector, stop, poll_interval, outage), outage
        )
    elif mode == "elected":
        if setting.backend != "postgres":
            raise ValueError("an elected projector needs PostgreSQL")
        target = lambda: keep_projecting(  # noqa: E731
            lambda: _project_when_elected(projector, setting, stop)
        )
    else:
        raise ValueError(f"unknown projector mode {mode!r}")
    thread = threading.Thread(target=target, name="read-model-projector", daemon=True)
    thread.start()
    return thread


def _poll(projector: Projector, stop: threading.Event, interval: float, outage: Outage) -> None:
    while not stop.is_set():
        before = projector.position
        caught_up = projector.catch_up() == before
        outage.progressed()
        if caught_up:
            stop.wait(interval)


def _project_when_elected(
    projector: Projector, setting: DatabaseSetting, stop: threading.Event
) -> None:
    from ledger.application.ledger import postgres_connect as connect

    # One projector per ledger: the lock names the database's schema, since
    # several ledgers (schemas) may share one database.
    name = f"remix-ledger read-model projector {setting.env.get('POSTGRES_SCHEMA', 'public')}"
    while not stop.is_set():
        with connect(setting.env) as connection:
            elected = connection.execute(
                "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (name,)
            ).fetchone()[0]
            if elected:
                _log.info("this process projects the read models")
                try:
                    projector.run(stop)
                finally:
                    connection.execute(
                        "SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (name,)
                    )
                return
        stop.wait(_RETRY_SECONDS)


def _keep_going(
    stop: threading.Event,
    follow: Callable[[], None],
    what: str,
    outage: Outage | None = None,
    *,
    on_failure: Callable[[BaseException], None] | None = None,
    progress: Callable[[], int] | None = None,
) -> None:
    """Run ``follow`` until ``stop``; after a failure (the database gone a moment, a full
    disk), again, after a pause that grows while it lasts (``service.http.outages``) and
    starts again from the first once ``progress`` (a position) has moved."""
    outage = outage or Outage(what)
    position = _safe(progress)
    while not stop.is_set():
        try:
            follow()
        except Exception as error:
            if on_failure is not None:
                on_failure(error)
            now = _safe(progress)
            if now is not None and now != position:
                position = now
                outage.progressed()
            stop.wait(outage.failed(error))
        else:
            stop.wait(_RETRY_SECONDS)  # it ended without ``stop`` (another was elected)


def _safe(progress: Callable[[], int] | None) -> int | None:
    # The position is read from the store, which may be what failed.
    if progress is None:
        return None
    try:
        return progress()
    except Exception:
        return None
