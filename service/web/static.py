"""The pages' stylesheet, served from the package (so an installed wheel serves it too)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter, Response

__all__ = ["router"]

router = APIRouter()


@cache
def _stylesheet() -> bytes:
    return files("service.web").joinpath("static/site.css").read_bytes()


@router.get("/static/site.css", include_in_schema=False)
def stylesheet() -> Response:
    return Response(
        _stylesheet(),
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
