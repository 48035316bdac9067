"""Token buckets in each server process (429 with Retry-After): writes per token,
registrations per address, and failed authentications per address.

Each process keeps its own buckets; with N processes behind a balancer a token
may write up to N times the rate. The limit is there to keep one client from
starving the others, not to bill anyone, so that is acceptable.

The buckets are a least-recently-used map with a cap: made-up tokens (each one a
new key) cannot grow it past ``max_buckets``, and every call costs the same
whatever came before. The bucket evicted is the one unused longest, which has had
the longest to refill, so forgetting it (a new one starts full) gives its key at
most the writes it would have had back anyway, short of a full burst.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable

from service.http.problems import Problem

__all__ = ["DEFAULT_MAX_BUCKETS", "RateLimiter"]

#: About 100 bytes a bucket: a few MB at most per limiter.
DEFAULT_MAX_BUCKETS = 50_000


class RateLimiter:
    """``burst`` acts at once, refilled at ``per_second``; at most ``max_buckets`` keys
    are remembered (the least recently used is forgotten first)."""

    def __init__(
        self, per_second: float, burst: int, *, max_buckets: int = DEFAULT_MAX_BUCKETS
    ) -> None:
        self.per_second = per_second
        self.burst = burst
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def _level(self, key: Hashable, now: float) -> float:
        level, then = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), level + (now - then) * self.per_second)

    def _store(self, key: Hashable, level: float, now: float) -> None:
        # The most recently used last; past the cap, forget the first: O(1) either way.
        self._buckets[key] = (level, now)
        self._buckets.move_to_end(key)
        if len(self._buckets) > self.max_buckets:
            self._buckets.popitem(last=False)

    def take(self, key: Hashable) -> float:
        """Take one from the key's bucket: 0.0 if allowed, else the seconds until one
        will be."""
        now = time.monotonic()
        with self._lock:
            level = self._level(key, now)
            allowed = level >= 1.0
            self._store(key, level - 1.0 if allowed else level, now)
            return 0.0 if allowed else (1.0 - level) / self.per_second

    def charge(self, key: Hashable) -> None:
        """Take one whatever the level, down to ``-burst``: for acts counted after they
        happened (a failure), when several were let in at once before the first one
        was counted."""
        now = time.monotonic()
        with self._lock:
            self._store(key, max(-float(self.burst), self._level(key, now) - 1.0), now)

    def wait(self, key: Hashable) -> float:
        """The seconds until the key's bucket has one to take (0.0: now), taking none."""
        now = time.monotonic()
        with self._lock:
            if key not in self._buckets:
                return 0.0
            level = self._level(key, now)
            return 0.0 if level >= 1.0 else (1.0 - level) / self.per_second

    def check(self, key: Hashable, detail: str) -> None:
        """Take one for ``key``, or refuse the request: 429 with ``detail`` and
        ``Retry-After``."""
        wait = self.take(key)
        if wait > 0:
            raise Problem(
                429, "rate-limited", detail, headers={"Retry-After": self.retry_after(wait)}
            )

    @staticmethod
    def retry_after(seconds: float) -> str:
        return str(max(1, math.ceil(seconds)))
