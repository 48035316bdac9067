"""A time budget for lineage work: credits, statements, trees and provenance of a request.

Exact arithmetic over a long lineage can take seconds even with bounded
parameters (the denominators grow with every generation). A server gives each
such computation a budget: it runs in a thread of its own, the
request waits at most ``seconds`` for it, and past that it is answered
"too slow, retry later" (``LineageTooSlowError``, 503 with ``Retry-After``).

A Python thread cannot be stopped from outside, so a computation past its
budget goes on in its (daemon) thread until it ends; at most ``workers`` run at
once and as many more may wait for one: beyond that a request is refused at
once (``LineageBusyError``), so repeated slow requests cannot take every thread
of the server. Neither the event loop nor the
server's own threads ever run lineage work, so ``/healthz`` keeps answering.

Standard library only, so that the API and the pages share it.
"""

from __future__ import annotations

import contextvars
import functools
import math
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from lineage.errors import LineageError

__all__ = ["LineageBudget", "LineageBusyError", "LineageTooSlowError"]

T = TypeVar("T")


class LineageTooSlowError(LineageError):
    """A lineage computation did not finish within the server's time budget."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LineageBusyError(LineageTooSlowError):
    """Every lineage worker is busy (and as many requests wait): refused without waiting."""


class LineageBudget:
    """Runs lineage work in at most ``workers`` threads at once, each request waiting
    at most ``seconds`` for its answer."""

    def __init__(self, seconds: float, workers: int) -> None:
        if seconds <= 0 or workers < 1:
            raise ValueError("a lineage budget needs seconds > 0 and at least one worker")
        self.seconds = seconds
        self.workers = workers
        self.retry_after = max(1, math.ceil(seconds))
        self._running = threading.Semaphore(workers)
        # Running plus waiting; released when the work ends, not when its request gives up.
        self._admitted = threading.BoundedSemaphore(2 * workers)

    def run(self, compute: Callable[[], T]) -> T:
        """``compute()``'s answer, or ``LineageTooSlowError`` once the budget has passed."""
        if not self._admitted.acquire(blocking=False):
            raise LineageBusyError(
                f"all {self.workers} lineage workers are busy with long computations; retry later",
                self.retry_after,
            )
        # Run with the request's context (its context variables), in the worker's thread.
        job = _Job(functools.partial(contextvars.copy_context().run, compute))
        # A daemon thread: one past its budget must not keep a stopping server alive.
        threading.Thread(target=self._work, args=(job,), name="lineage-work", daemon=True).start()
        if not job.done.wait(self.seconds):
            job.abandoned = True  # if it still waits for a worker, it never starts
            raise LineageTooSlowError(
                f"the lineage computation took longer than the server's budget of"
                f" {self.seconds:g}s; retry later, or ask for less (a shorter lineage,"
                " a parameter with fewer digits)",
                self.retry_after,
            )
        if job.error is not None:
            raise job.error
        answer: T = job.answer
        return answer

    def _work(self, job: _Job) -> None:
        try:
            with self._running:
                if not job.abandoned:
                    job.answer = job.compute()
        except BaseException as error:  # handed to the request, which raises it
            job.error = error
        finally:
            self._admitted.release()
            job.done.set()


class _Job:
    """One computation handed to a worker thread, and what it came to."""

    def __init__(self, compute: Callable[[], Any]) -> None:
        self.compute = compute
        self.done = threading.Event()
        self.abandoned = False
        self.answer: Any = None
        self.error: BaseException | None = None
