"""Whether the read models keep up: failed, or stalled while the log moves on.

A projector can fall behind for good without ever lagging far: one event it
cannot apply stops it, and a quiet ledger adds few events after. ``/readyz``
therefore asks two more things than the lag: whether this process's projector
is failing, and how long the read models' position has stood still while the
log's head was ahead of it (the only sign of a ``projections run`` process, in
``external`` mode, that died or is stuck).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["StallWatch"]


class StallWatch:
    """Remembers since when a position has stood still behind the head."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._position: int | None = None
        self._since = 0.0

    def stalled_for(self, position: int, head: int) -> float:
        """Seconds the read models have stood at ``position`` while the log was ahead
        (0 when they are current or have moved since the last look)."""
        now = self._clock()
        with self._lock:
            if position >= head or position != self._position:
                self._position = None if position >= head else position
                self._since = now
                return 0.0
            return now - self._since
