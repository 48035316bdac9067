"""One router per resource; ``ROUTERS`` is what the app includes, in this order."""

from __future__ import annotations

import importlib
import importlib.util

from fastapi import APIRouter

from service.http.routes import (
    comments,
    health,
    lineage,
    log,
    members,
    productions,
    rankings,
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
    rankings.router,
    log.router,
    health.router,
]

# The transparency log's routes (tiles, checkpoints, proofs) come from their own
# module, which reads ``app.state.ledger``; included when it is installed.
if importlib.util.find_spec("service.http.routes.tlog") is not None:
    ROUTERS.append(importlib.import_module("service.http.routes.tlog").router)
