"""Ranking scores: the Wilson lower bound and the hot score with exponential decay.

Both are pure functions of a work's votes (and, for hot, its age), so a view
can store the parts and any process can recompute them the same way.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

__all__ = [
    "DEFAULT_HALF_LIFE_HOURS",
    "Z_95",
    "hot_key",
    "hot_score",
    "log_votes",
    "wilson_lower_bound",
]

Z_95 = 1.96
DEFAULT_HALF_LIFE_HOURS = 24.0 * 7
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def wilson_lower_bound(up: int, down: int, z: float = Z_95) -> float:
    """The lower bound of the Wilson score interval for the share of up-votes.

    With few votes the bound is low, so one lucky +1 does not outrank a work
    with 90 up-votes out of 100 (Evan Miller, "How Not To Sort By Average Rating").

    >>> round(wilson_lower_bound(1, 0), 4)
    0.2065
    >>> round(wilson_lower_bound(90, 10), 4)
    0.8256
    >>> wilson_lower_bound(0, 0)
    0.0
    """
    n = up + down
    if n == 0:
        return 0.0
    p = up / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)
    return (centre - margin) / (1 + z2 / n)


def log_votes(up: int, down: int) -> float:
    """sign(s) * log2(max(|s|, 1)) for the net score s = up - down; stored per work."""
    net = up - down
    return math.copysign(math.log2(max(abs(net), 1)), net) if net else 0.0


def hot_key(log_net: float, created_at: datetime, half_life_hours: float) -> float:
    """A key that orders works by hot score; it never changes as time passes.

    The hot score of a work with net votes s and age a is s * 2^(-a / half_life):
    each half-life halves it. For positive s, log2 of that is
    log2(s) + created/half_life - now/half_life, and the last term is the same
    for every work, so ``log2(s) + created/half_life`` ranks them the same at any
    moment (the Reddit trick), and can be stored.
    """
    hours = (created_at - _EPOCH).total_seconds() / 3600
    return log_net + hours / half_life_hours


def hot_score(
    up: int, down: int, created_at: datetime, now: datetime, half_life_hours: float
) -> float:
    """The hot score itself at ``now``: (up - down) * 2^(-age / half_life).

    >>> from datetime import timedelta
    >>> now = datetime(2012, 1, 8, tzinfo=timezone.utc)
    >>> hot_score(10, 2, now - timedelta(hours=168), now, 168.0)
    4.0
    """
    age_hours = max((now - created_at).total_seconds() / 3600, 0.0)
    return (up - down) * 2 ** (-age_hours / half_life_hours)
