"""The projector: follows the ledger's log and applies it to the read models, exactly once.

It catches up in batches from the store's tracked position, then follows new
events: on PostgreSQL (and in memory) through the library's subscription
(LISTEN/NOTIFY), on SQLite by polling ``select_notifications``, whose recorder
has no ``subscribe()``. Each batch is one transaction holding both the rows and
the tracking position, so a crash at any moment loses or doubles nothing: the
next run starts after the last committed batch.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import IntegrityError, Notification, Tracking

from ledger import Ledger
from ledger.adapters.collector import collector_paused
from ledger.domain.errors import LedgerError
from projections.bulk import BulkRebuild
from projections.decoding import EventDecoder
from projections.model import ReadModelWriter
from projections.sql_store import SqlReadModels
from projections.staging import TABLES, RowCache, Staged
from projections.store import UPSTREAM, ReadModelStore

__all__ = [
    "DEFAULT_BATCH",
    "REBUILD_BATCH",
    "ProjectionStatus",
    "Projector",
    "ReadModelsBehindError",
]

DEFAULT_BATCH = 1_000
# A rebuild's batches: fewer, larger transactions. Keys are random ids, so each
# batch dirties pages all over every table and the write-ahead log copies each
# such page once per transaction: on a 1M-event log, batches of 10 000 wrote the
# tables over and over (about 40 us an event waiting on checkpoints), batches of
# 100 000 a tenth as often. A row touched by many events of a batch (a popular
# work, its authors) is also written once per batch. The bulk path
# (projections.bulk) reads a batch in pages and holds no more than its rows and
# the batch's columns: at 1M events one batch of 1 000 000 took 35.5 s and 1.33 GB
# against 49.0 s and 1.41 GB in batches of 250 000 (works written once instead
# of four times, one commit instead of four).
REBUILD_BATCH = 1_000_000


class ReadModelsBehindError(LedgerError):
    """The read models did not reach the asked position in time."""


@dataclass(frozen=True)
class ProjectionStatus:
    """Where the read models are: their position, the log's head, and the lag between."""

    position: int
    head: int

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)

    def as_dict(self) -> dict[str, int]:
        return {"position": self.position, "head": self.head, "lag": self.lag}


class Projector:
    """Keeps one read-model store current with one ledger."""

    def __init__(
        self,
        ledger: Ledger,
        store: ReadModelStore,
        *,
        batch_size: int = DEFAULT_BATCH,
        poll_interval: float = 0.02,
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.batch_size = batch_size
        self.rebuild_batch_size = REBUILD_BATCH
        self.poll_interval = poll_interval
        self.cache = RowCache()
        self.decode = EventDecoder(ledger.mapper)
        # The position this projector last saw the store at; when the store moves
        # without it (another projector), what it holds in memory is stale.
        self._seen: int | None = None
        self._advanced = threading.Condition()
        # How far the last rebuild got on the bulk path (None: it did not take it).
        self.bulk_position: int | None = None
        #: The kind of error the last attempt to project ended with, until a batch
        #: commits again (``/readyz`` says not ready meanwhile).
        self.failure: str | None = None
        #: Read models kept in stores of their own (the notifications), each told
        #: the position after every committed batch and once caught up.
        self.followers: list[Callable[[int], object]] = []

    @property
    def position(self) -> int:
        return self.store.max_tracking_id(UPSTREAM) or 0

    def status(self) -> ProjectionStatus:
        return ProjectionStatus(self.position, self.ledger.head)

    # ------------------------------------------------------------ catching up

    def catch_up(
        self, until: int | None = None, on_progress: Callable[[int], None] | None = None
    ) -> int:
        """Apply every event after the tracked position (up to ``until``); return the position."""
        while True:
            start = self.position + 1
            if until is not None and start > until:
                return self.position
            notifications = self.ledger.recorder.select_notifications(
                start=start, limit=self.batch_size, stop=until
            )
            if not notifications:
                self.failure = None  # the log answers and nothing is left to apply
                self._drive_followers()
                return self.position
            self._check_cache(start - 1)
            self.apply_batch(notifications)
            if on_progress is not None:
                on_progress(notifications[-1].id)

    def apply_batch(self, notifications: Sequence[Notification]) -> bool:
        """Apply one batch in one transaction; False if it had already been applied."""
        staged = Staged(self.cache, self.store.load)
        writer = ReadModelWriter(staged)
        decode = self.decode
        try:
            for notification in notifications:
                writer.apply(notification.id, decode(notification))
            self.store.commit(staged.changes, Tracking(UPSTREAM, notifications[-1].id))
        except IntegrityError as error:
            # Another projector got there first; what we hold in memory may be stale.
            self._forget()
            if self.position < notifications[0].id:
                # No one did: the store refuses a row (a constraint added by hand, a
                # damaged table). Retrying at once would spin on the same batch.
                self.failed(error)
                raise
            return False
        except BaseException as error:
            # The rows in memory were changed in place by a batch that was not saved.
            self._forget()
            self.failed(error)
            raise
        staged.committed()
        self.failure = None
        self._seen = notifications[-1].id
        self._drive_followers()
        with self._advanced:
            self._advanced.notify_all()
        return True

    def _drive_followers(self) -> None:
        position = self.position
        for follower in self.followers:
            follower(position)

    def failed(self, error: BaseException) -> None:
        """Note that projecting failed (whoever follows the log retries)."""
        self.failure = type(error).__name__

    def rebuild(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Throw the read models away and build them again from position 0."""
        self.store.reset()
        self.cache.clear()
        self.bulk_position = None
        self._seen = None
        batch_size = self.batch_size
        self.batch_size = max(batch_size, self.rebuild_batch_size)
        try:
            # A rebuild holds millions of rows in memory (``RowCache``) and makes no
            # reference cycles; full collections walking them all cost about 15%.
            with collector_paused():
                if isinstance(self.store, SqlReadModels) and self.decode.enabled:
                    bulk = BulkRebuild(self.ledger, self.store, self.decode, self.batch_size)
                    self.bulk_position = bulk.run(on_progress)
                    # Whatever follows (events appended meanwhile, or a batch the bulk
                    # path left) is applied the ordinary way, reading rows from the store.
                    self._forget()
                position = self.catch_up(on_progress=on_progress)
                self.store.rebuilt()
                return position
        finally:
            self.batch_size = batch_size

    def _forget(self) -> None:
        self.cache.clear()
        self._seen = None

    def _check_cache(self, position: int) -> None:
        # Resuming, or after another writer: learn which rows exist (keys only),
        # so that rows the store does not have are never read for.
        if self._seen != position:
            self.cache.clear()
            self.cache.know(self.store.keys() if position else {t: set() for t in TABLES})
            self._seen = position

    # ------------------------------------------------------------ following

    def run(self, stop: threading.Event) -> None:
        """Catch up, then follow new events until ``stop`` is set."""
        self.catch_up()
        try:
            subscription = self.ledger.recorder.subscribe(gt=self.position)
        except NotImplementedError:
            self._poll(stop)
        else:
            self._follow(subscription, stop)

    def _poll(self, stop: threading.Event) -> None:
        while not stop.is_set():
            before = self.position
            if self.catch_up() == before:
                stop.wait(self.poll_interval)

    def _follow(self, subscription: Any, stop: threading.Event) -> None:
        arrived: queue.Queue[Notification | BaseException] = queue.Queue()

        def read() -> None:
            try:
                for notification in subscription:
                    arrived.put(notification)
            except BaseException as error:
                arrived.put(error)

        reader = threading.Thread(target=read, name="read-model-subscription", daemon=True)
        with subscription:
            reader.start()
            while not stop.is_set():
                try:
                    first = arrived.get(timeout=0.1)
                except queue.Empty:
                    continue
                batch = [first]
                while len(batch) < self.batch_size:
                    try:
                        batch.append(arrived.get_nowait())
                    except queue.Empty:
                        break
                failure = next((item for item in batch if isinstance(item, BaseException)), None)
                notifications = [n for n in batch if isinstance(n, Notification)]
                fresh = [n for n in notifications if n.id > self.position]
                if fresh:
                    self.apply_batch(fresh)
                if failure is not None:
                    raise failure
            subscription.stop()
        reader.join(timeout=2)

    # ------------------------------------------------------------ waiting

    def wait(self, position: int | None, timeout: float = 5.0) -> None:
        """Block until the read models include ``position`` (read-your-writes)."""
        if position is None:
            return
        deadline = time.monotonic() + timeout
        pause = 0.002
        while self.position < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReadModelsBehindError(
                    f"the read models reached position {self.position}, not {position},"
                    f" within {timeout:g}s; is a projector running? (remix-ledger projections run)"
                )
            # Woken at once by an in-process projector; otherwise polls, backing off.
            with self._advanced:
                self._advanced.wait(min(pause, remaining))
            pause = min(pause * 2, 0.05)
