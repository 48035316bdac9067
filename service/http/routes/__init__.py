"""One router per resource; ``ROUTERS`` is what the app includes, in this order."""

from __future__ import annotations

from fastapi import APIRouter

from service.http.routes import (
    comments,
    health,
    lineage,
    log,
    members,
    productions,
    proposals,
    rankings,
    tlog,
    votes,
    works,
)

__all__ = ["ROUTERS"]

ROUTERS: list[APIRouter] = [
    members.router,
    works.router,
    votes.router,
    comments.router,
    lineage.router,
    productions.router,
    proposals.router,
    rankings.router,
    log.router,
    health.router,
    tlog.router,  # the transparency log: tiles, checkpoints, proofs under /log
]
