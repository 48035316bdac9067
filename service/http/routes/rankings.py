"""Rankings of works and the contributors' leaderboard, from the read models."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ledger.domain.errors import InvalidValueError
from ledger.domain.values import parse_time
from projections.ordering import RankBy, WorkFilter
from service.http.cursors import decode_cursor, encode_cursor
from service.http.deps import After, LedgerDep, LineageDep, ReadModelsDep, ServicesDep
from service.http.responses import person
from service.http.routes.lineage import AsOfQuery, as_of_position
from service.http.schemas import PersonPublic

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["rankings"])

#: Pages go this deep at most: past it, narrow the ranking (kind, time) instead.
MAX_OFFSET = 10_000
CursorQuery = Annotated[str | None, Query(max_length=100, description="From a previous page.")]
LimitQuery = Annotated[int, Query(ge=1, le=100)]


class RankedWorkPublic(BaseModel):
    rank: int
    work_id: str
    external_id: str | None
    title: str
    kind: str
    authors: list[PersonPublic]
    created_at: str
    up: int
    down: int
    wilson: float
    hot: float
    comments: int
    direct_remixes: int
    descendants: int
    position: int


class RankingsPublic(BaseModel):
    position: int
    by: str
    works: list[RankedWorkPublic]
    next_cursor: str | None


class LeaderPublic(BaseModel):
    rank: int
    member_id: str
    external_id: str | None
    handle: str
    name: str
    works: int
    remixes_received: int
    votes_up: int
    votes_down: int


class LeaderboardPublic(BaseModel):
    position: int
    members: list[LeaderPublic]
    next_cursor: str | None


def _epoch(value: str | None, what: str) -> float | None:
    return None if value is None else parse_time(value, what).timestamp()


def _offset(cursor: str | None, kind: str) -> int:
    offset = 0 if cursor is None else decode_cursor(cursor, kind)
    if offset > MAX_OFFSET:
        raise InvalidValueError(f"pages go {MAX_OFFSET} entries deep at most")
    return offset


@router.get("/rankings", response_model=RankingsPublic)
def rankings(
    read_models: ReadModelsDep,
    lineage: LineageDep,
    ledger: LedgerDep,
    services: ServicesDep,
    _after: After,
    by: RankBy = RankBy.wilson,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    since: Annotated[
        str | None, Query(max_length=40, description="Works created at or after (RFC 3339).")
    ] = None,
    until: Annotated[
        str | None, Query(max_length=40, description="Works created before (RFC 3339).")
    ] = None,
    never_remixed: Annotated[bool, Query(description="Only works nobody remixed yet.")] = False,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    as_of: AsOfQuery = None,
) -> RankingsPublic:
    """The top works by Wilson score, hot score, remixes or recency; retracted works never.

    ``as_of`` replays the log up to that position into memory, so it is refused
    past the server's bound (``max_as_of_replay`` events).
    """
    offset = _offset(cursor, "r")
    position = as_of_position(ledger, as_of)
    current = read_models.projector.position
    bound = services.settings.max_as_of_replay
    if position is not None and bound < position < current:
        raise InvalidValueError(
            f"rankings as of position {position} would replay {position} events;"
            f" this server replays at most {services.settings.max_as_of_replay}"
            " (ask the command line: remix-ledger rankings --as-of)"
        )
    where = WorkFilter(kind, _epoch(since, "since"), _epoch(until, "until"), never_remixed)
    ranked = read_models.rankings(by, where, limit=limit + 1, offset=offset, as_of=position)
    more = len(ranked) > limit
    ranked = ranked[:limit]
    # The read models may be ahead of this process's graph: wait for their works.
    with lineage.reading(
        None,
        services.settings.wait_seconds,
        holds=lambda graph: all(graph.has_work(entry.work.work_id) for entry in ranked),
    ) as graph:
        works = []
        for entry in ranked:
            row = entry.work
            number = graph.number(row.work_id)
            works.append(
                RankedWorkPublic(
                    rank=entry.rank,
                    work_id=str(row.work_id),
                    external_id=graph.external_id_at(number),
                    title=row.title,
                    kind=row.kind,
                    authors=[person(graph, author) for author in row.authors],
                    created_at=row.created_at.isoformat(),
                    up=row.up,
                    down=row.down,
                    wilson=round(entry.wilson, 6),
                    hot=round(entry.hot, 6),
                    comments=row.comments,
                    direct_remixes=row.direct_remixes,
                    descendants=entry.descendants,
                    position=row.position,
                )
            )
    return RankingsPublic(
        position=position if position is not None else current,
        by=by.value,
        works=works,
        next_cursor=encode_cursor("r", offset + limit) if more else None,
    )


@router.get("/leaderboard", response_model=LeaderboardPublic)
def leaderboard(
    read_models: ReadModelsDep,
    lineage: LineageDep,
    _after: After,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> LeaderboardPublic:
    """Contributors by remixes others built on their works, then net votes, then works."""
    offset = _offset(cursor, "l")
    rows = read_models.leaderboard(limit=limit + 1, offset=offset)
    more = len(rows) > limit
    with lineage.reading() as graph:
        members = [
            LeaderPublic(
                rank=offset + index + 1,
                member_id=str(row.member_id),
                external_id=person(graph, row.member_id).external_id,
                handle=row.handle,
                name=row.name,
                works=row.works,
                remixes_received=row.remixes_received,
                votes_up=row.votes_up,
                votes_down=row.votes_down,
            )
            for index, row in enumerate(rows[:limit])
        ]
    return LeaderboardPublic(
        position=read_models.projector.position,
        members=members,
        next_cursor=encode_cursor("l", offset + limit) if more else None,
    )
