"""Rendering pages: one Jinja2 environment with autoescaping, and the headers every page sends.

Every value from the ledger reaches a template as text and is escaped there
(``autoescape`` is on for every template, whatever its name). The one piece of
markup a page takes from elsewhere is the family tree's SVG, which
``service.web.trees`` rebuilds from an allow-list before it is marked safe.

Each page is sent with a Content-Security-Policy that allows no inline script
(and no script at all is used), no plugins, no framing and no base URL, and
styles only from the server's own stylesheet.

Every page's footer shows the transparency log's latest signed checkpoint
(``checkpoints``), read here once per page unless the page read it already.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from service.web.checkpoints import LatestCheckpoint, latest_checkpoint

__all__ = ["CONTENT_SECURITY_POLICY", "PAGE_HEADERS", "environment", "render_page"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _when(moment: datetime | str | None) -> str:
    """A time as people read it, in UTC, to the minute."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _build_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("service.web", "templates"),
        autoescape=True,  # every template, not only *.html: nothing is left unescaped
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    return env


environment = _build_environment()


def render_page(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    checkpoint: LatestCheckpoint | None = None,
    **context: Any,
) -> HTMLResponse:
    """The page ``template`` with ``context``, the latest checkpoint (read now unless
    given), and the headers every page sends."""
    html = environment.get_template(template).render(
        request_path=request.url.path,
        checkpoint=checkpoint or latest_checkpoint(request),
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)
