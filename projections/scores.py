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
    "hours_since_epoch",
    "log_abs_net",
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


def hot_key(up: int, down: int, created_at: datetime, half_life_hours: float) -> tuple[int, float]:
    """A sort key (descending) that orders works exactly as their hot scores do, at any time.

    The hot score of a work with net votes s = up - down and age a is
    s * 2^(-a / half_life): each half-life halves it. Its sign is sign(s); for
    s != 0 its log2 magnitude is log2|s| + created/half_life - now/half_life,
    and the last term is the same for every work. So (sign(s),
    sign(s) * (log2|s| + created/half_life)) ranks works the same at every
    moment (the Reddit trick, made exact for zero and negative scores), and it
    can be stored and sorted in SQL.

    >>> early = datetime(2011, 1, 1, tzinfo=UTC)
    >>> late = datetime(2011, 1, 8, tzinfo=UTC)
    >>> hot_key(4, 0, early, 168.0) > hot_key(1, 0, late, 168.0)  # 4 votes, one week older
    True
    >>> hot_key(0, 0, late, 168.0) > hot_key(0, 1, late, 168.0)
    True
    """
    net = up - down
    sign = (net > 0) - (net < 0)
    return sign, sign * (log_abs_net(up, down) + hours_since_epoch(created_at) / half_life_hours)


def log_abs_net(up: int, down: int) -> float:
    """log2 |up - down| (0 when they are equal); stored per work for the hot ordering."""
    net = abs(up - down)
    return math.log2(net) if net else 0.0


def hours_since_epoch(moment: datetime) -> float:
    """Hours since 2000-01-01T00:00:00Z."""
    return (moment - _EPOCH).total_seconds() / 3600


def hot_score(
    up: int, down: int, created_at: datetime, now: datetime, half_life_hours: float
) -> float:
    """The hot score itself at ``now``: (up - down) * 2^(-age / half_life).

    >>> from datetime import timedelta
    >>> now = datetime(2012, 1, 8, tzinfo=UTC)
    >>> hot_score(10, 2, now - timedelta(hours=168), now, 168.0)
    4.0
    """
    age_hours = max((now - created_at).total_seconds() / 3600, 0.0)
    return (up - down) * 2 ** (-age_hours / half_life_hours)
