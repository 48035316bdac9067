"""Group commit: the writes that arrive together are saved in one transaction.

Every transaction ends in a disk sync (about 8 ms on the benchmark machine for an
SQLite commit), and SQLite takes one writer at a time, so one transaction per
request caps a server near a hundred writes a second however many clients wait.
Here request threads hand their command to one writer thread, which runs what
has queued up (up to ``max_batch``) inside ``Ledger.batch()``, in arrival order,
and saves it all with one commit.

A command may name the records it will read; the batch reads all of them in
one statement before running its commands (``UnitOfWork.preload``), so the
writer thread does not give up the GIL for a read transaction per record.

Each command still runs alone against the state the earlier ones left, with its
own checks; one that breaks a rule is forgotten (the unit of work drops what it
staged) and answers its own error, the others go on. If the commit itself fails
because another process changed one of the records first, every command of the
batch runs again on its own, as a single command would (``Ledger._execute``
retries). A command is acknowledged only once its batch is saved.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Collection
from concurrent.futures import Future
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from ledger import Ledger, Recorded

__all__ = ["GroupCommit"]

Command = Callable[[], Recorded]
Queued = tuple[Command, Collection[UUID], "Future[Recorded]"]


class GroupCommit:
    """One writer thread that saves queued commands a batch at a time."""

    def __init__(self, ledger: Ledger, *, max_batch: int = 64) -> None:
        self.ledger = ledger
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[Queued | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
        self._thread.start()

    def run(self, command: Command, reads: Collection[UUID] = ()) -> Recorded:
        """Run ``command`` (a ledger command) in the next batch; its ``Recorded`` once
        saved. ``reads``: the records it will load, read with the batch's others."""
        return self.submit(command, reads).result()

    async def write(self, command: Command, reads: Collection[UUID] = ()) -> Recorded:
        """``run`` for a coroutine: the event loop waits, no worker thread is held."""
        return await asyncio.wrap_future(self.submit(command, reads))

    def submit(self, command: Command, reads: Collection[UUID] = ()) -> Future[Recorded]:
        """Queue ``command`` for the next batch; the future is settled once it is saved."""
        done: Future[Recorded] = Future()
        self._queue.put((command, reads, done))
        return done

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._save(batch)
                    return
                batch.append(item)
            self._save(batch)

    def _save(self, batch: list[Queued]) -> None:
        outcomes: list[tuple[Future[Recorded], UUID | None, bool, BaseException | None]] = []
        try:
            with self.ledger.batch() as uow:
                uow.preload(record for _, reads, _ in batch for record in reads)
                for command, _, done in batch:
                    before = len(uow.events)
                    try:
                        recorded = command()
                    except Exception as error:  # its own error; the batch goes on
                        outcomes.append((done, None, False, error))
                    else:
                        outcomes.append((done, recorded.id, len(uow.events) > before, None))
                position = uow.commit()
        except IntegrityError:
            # Another process wrote one of these records first: each command again,
            # alone, with the retries a single command has.
            for command, _, done in batch:
                _settle(done, command)
            return
        except BaseException as error:
            for _, _, done in batch:
                if not done.done():
                    done.set_exception(error)
            return
        for done, record_id, wrote, failure in outcomes:
            if failure is not None:
                done.set_exception(failure)
            else:
                assert record_id is not None
                done.set_result(Recorded(record_id, position if wrote else None))


def _settle(done: Future[Recorded], command: Command) -> None:
    try:
        done.set_result(command())
    except Exception as error:
        done.set_exception(error)
