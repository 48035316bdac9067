"""How the work rankings are ordered: one definition for the Python and SQL stores.

Every ordering is descending on its score and breaks ties by position (the
earlier work first), so the same data always ranks the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from projections.rows import WorkRow
from projections.scores import hot_key, wilson_lower_bound

__all__ = ["RankBy", "WorkFilter", "sort_key", "sql_order"]


class RankBy(StrEnum):
    wilson = "wilson"
    hot = "hot"
    remixed = "remixed"
    newest = "newest"


@dataclass(frozen=True)
class WorkFilter:
    """Which works a ranking considers: unretracted, optionally of a kind and a period."""

    kind: str | None = None
    since_epoch: float | None = None
    until_epoch: float | None = None
    never_remixed: bool = False

    def accepts(self, row: WorkRow) -> bool:
        epoch = row.created_at.timestamp()
        return (
            not row.retracted
            and (self.kind is None or row.kind == self.kind)
            and (self.since_epoch is None or epoch >= self.since_epoch)
            and (self.until_epoch is None or epoch < self.until_epoch)
            and (not self.never_remixed or row.direct_remixes == 0)
        )


def sort_key(by: RankBy, half_life_hours: float) -> Callable[[WorkRow], tuple[float, ...]]:
    """A Python sort key (ascending) equivalent to ``sql_order``."""
    if by is RankBy.hot:

        def hot(row: WorkRow) -> tuple[float, ...]:
            sign, magnitude = hot_key(row.up, row.down, row.created_at, half_life_hours)
            return (-sign, -magnitude, row.position)

        return hot
    scores: dict[RankBy, Callable[[WorkRow], float]] = {
        RankBy.wilson: lambda r: wilson_lower_bound(r.up, r.down),
        RankBy.remixed: lambda r: float(r.direct_remixes),
        RankBy.newest: lambda r: r.created_at.timestamp(),
    }
    score = scores[by]
    return lambda row: (-score(row), row.position)


def sql_order(by: RankBy) -> str:
    """The ORDER BY clause; ``:half_life`` is bound for ``hot``."""
    expressions = {
        RankBy.wilson: "wilson DESC",
        RankBy.hot: "net_sign DESC, net_sign * (log_abs + hours / :half_life) DESC",
        RankBy.remixed: "direct_remixes DESC",
        RankBy.newest: "created_epoch DESC",
    }
    return f"ORDER BY {expressions[by]}, position ASC"
