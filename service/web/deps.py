"""What the pages need from the server, and the query values every page reads.

The pages are served by the API's app and read the parts it opened
(``app.state.services``: the ledger, the read models and the lineage graph that
follows the log). They ask for them through ``PageServices``, a protocol of just
those parts, so a benchmark can hand the same pages a ledger it opened itself.
The transparency log's tree (``app.state.tree_store``, None for an in-memory
ledger) is read the same way, through ``CheckpointLog``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Annotated, Protocol

from fastapi import Depends, Query, Request

from ledger import Ledger
from ledger.application.log import position_at
from ledger.domain.errors import InvalidValueError
from ledger.domain.values import parse_position_or_time
from ledger.transparency.store import StoredCheckpoint
from lineage.budget import LineageBudget
from lineage.graph import LineageGraph
from projections.queries import ReadModels

__all__ = [
    "AsOf",
    "AsOfQuery",
    "CheckpointLog",
    "FollowedLineage",
    "PageServices",
    "ServicesDep",
    "as_of_position",
    "checkpoint_log",
]


class FollowedLineage(Protocol):
    """The lineage graph as the server keeps it: read under a lock, waited for."""

    @property
    def position(self) -> int: ...

    def reading(
        self,
        after: int | None = None,
        timeout: float = 5.0,
        *,
        holds: Callable[[LineageGraph], bool] | None = None,
    ) -> AbstractContextManager[LineageGraph]: ...


class _Settings(Protocol):
    @property
    def wait_seconds(self) -> float: ...


class PageServices(Protocol):
    """The parts of a server process the pages read."""

    @property
    def ledger(self) -> Ledger: ...

    @property
    def read_models(self) -> ReadModels: ...

    @property
    def lineage(self) -> FollowedLineage: ...

    @property
    def settings(self) -> _Settings: ...

    @property
    def lineage_budget(self) -> LineageBudget: ...


def get_services(request: Request) -> PageServices:
    services: PageServices = request.app.state.services
    return services


class CheckpointLog(Protocol):
    """The transparency log's tree as the pages read it: its checkpoints, its leaves."""

    def latest_checkpoint(self) -> StoredCheckpoint | None: ...

    def position_of(self, index: int) -> int | None: ...


def checkpoint_log(request: Request) -> CheckpointLog | None:
    """The tree the server opened over its ledger; None when it has none (memory://)."""
    log: CheckpointLog | None = getattr(request.app.state, "tree_store", None)
    return log


ServicesDep = Annotated[PageServices, Depends(get_services)]

AsOfQuery = Annotated[
    str | None,
    Query(
        max_length=40,
        description="A past position, an RFC 3339 time, or a date YYYY-MM-DD (its end, UTC).",
    ),
]


def as_of_position(ledger: Ledger, as_of: str | None) -> int | None:
    """``as_of``: a position, or the position of the last event at an RFC 3339 time.

    A position beyond the log's head is refused: a page "as of" a future position
    would look like the present and say otherwise.
    """
    if as_of is None or not as_of.strip():
        return None
    # The one reading of a time a user types (ledger.values): a date is that evening.
    parsed = parse_position_or_time(as_of, "as_of")
    if isinstance(parsed, int):
        if parsed > ledger.head:
            raise InvalidValueError(f"position {parsed} is beyond the log's head ({ledger.head})")
        return parsed
    return position_at(ledger, parsed)


def _as_of(services: ServicesDep, as_of: AsOfQuery = None) -> int | None:
    return as_of_position(services.ledger, as_of)


AsOf = Annotated[int | None, Depends(_as_of)]
