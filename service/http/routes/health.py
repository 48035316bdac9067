"""``/healthz``: the process answers. ``/readyz``: the database answers, the read
models are within ``ready_max_lag`` events of the log, this process's projector is
not failing, and the read models have not stood still behind the log for
``ready_max_stall_seconds``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.http.deps import ServicesDep
from service.http.problems import Problem

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    # On the event loop, not in the thread pool: it answers even while every
    # pool thread waits on slow work (lineage work runs in threads of its own).
    return {"status": "ok"}


@router.get("/readyz")
def readyz(services: ServicesDep) -> dict[str, Any]:
    try:
        status = services.read_models.projector.status()
    except Exception:
        raise Problem(
            503, "not-ready", "the database does not answer", headers={"Retry-After": "5"}
        ) from None
    lineage = services.lineage.position
    body = {**status.as_dict(), "lineage_position": lineage, "projector": services.projector_mode}
    if services.read_only is not None:
        body["read_only"] = services.read_only  # ready to read; why writes answer 503
    behind = max(status.lag, status.head - lineage)
    stalled = services.read_model_progress.stalled_for(status.position, status.head)
    failure = services.read_models.projector.failure
    if failure is not None:
        # Only the kind of error: its text (SQL, values) is for the log, not the world.
        detail = f"the read models' projector is failing ({failure}); it retries, see the log"
    elif behind > services.settings.ready_max_lag:
        detail = f"the read models or the lineage graph are {behind} events behind the log"
    elif stalled > services.settings.ready_max_stall_seconds:
        detail = (
            f"the read models have stood at position {status.position} for {stalled:.0f}s"
            f" while the log is at {status.head}; is their projector running?"
        )
    else:
        return {"status": "ready", **body}
    raise Problem(503, "not-ready", detail, headers={"Retry-After": "5"}, extra=body)
