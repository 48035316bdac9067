"""``/healthz``: the process answers. ``/readyz``: the database answers and the read
models are within ``ready_max_lag`` events of the log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.http.deps import ServicesDep
from service.http.problems import Problem

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
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
    if behind > services.settings.ready_max_lag:
        raise Problem(
            503,
            "not-ready",
            f"the read models or the lineage graph are {behind} events behind the log",
            headers={"Retry-After": "5"},
            extra=body,
        )
    return {"status": "ready", **body}
