"""Writes per token: a token bucket in each server process (429 with Retry-After).

Each process keeps its own buckets; with N processes behind a balancer a token
may write up to N times the rate. The limit is there to keep one client from
starving the others, not to bill anyone, so that is acceptable.
"""

from __future__ import annotations

import math
import threading
import time
from uuid import UUID

from service.http.problems import Problem

__all__ = ["RateLimiter"]


class RateLimiter:
    """``burst`` writes at once, refilled at ``per_second``."""

    def __init__(self, per_second: float, burst: int) -> None:
        self.per_second = per_second
        self.burst = burst
        self._buckets: dict[UUID, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, token_id: UUID) -> float:
        """Take one write from the token's bucket: 0.0 if allowed, else the seconds
        until one will be."""
        now = time.monotonic()
        with self._lock:
            level, then = self._buckets.get(token_id, (float(self.burst), now))
            level = min(float(self.burst), level + (now - then) * self.per_second)
            if level < 1.0:
                self._buckets[token_id] = (level, now)
                return (1.0 - level) / self.per_second
            self._buckets[token_id] = (level - 1.0, now)
            if len(self._buckets) > 100_000:  # forget the full ones: they are the default
                self._buckets = {
                    key: value for key, value in self._buckets.items() if value[0] < self.burst - 1
                }
            return 0.0

    def check(self, key: UUID, detail: str) -> None:
        """Take one write for ``key``, or refuse the request: 429 with ``detail`` and
        ``Retry-After``."""
        wait = self.take(key)
        if wait > 0:
            raise Problem(
                429, "rate-limited", detail, headers={"Retry-After": self.retry_after(wait)}
            )

    @staticmethod
    def retry_after(seconds: float) -> str:
        return str(max(1, math.ceil(seconds)))
