"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served with their assets from the
``fastapi-offline`` package: no CDN, so they work offline and run no third-party
script from elsewhere.

The pages carry no inline script (Swagger UI's start-up is ``/docs/assets/init.js``),
so their Content-Security-Policy allows script from this server only. Both UIs
inject style elements at run time (ReDoc's styled-components, Swagger UI's
highlighter), hence ``style-src 'unsafe-inline'``; ReDoc's search runs in a worker
made from a ``blob:``. Neither page can be framed.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

__all__ = ["DOCS_CONTENT_SECURITY_POLICY", "router"]

_ASSETS = Path(fastapi_offline.__file__).parent / "static"
_FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:;"
    " connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none';"
    " form-action 'self'"
)
_HEADERS = {
    "Content-Security-Policy": DOCS_CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""
_SWAGGER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Remix Ledger - Swagger UI</title>
<link rel="icon" href="/docs/assets/favicon.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script></body></html>
"""
_REDOC = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Remix Ledger - ReDoc</title>
<link rel="icon" href="/docs/assets/favicon.png"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="/docs/assets/redoc.standalone.js"></script></body></html>
"""

router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return HTMLResponse(_SWAGGER, headers=_HEADERS)


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return HTMLResponse(_REDOC, headers=_HEADERS)


@router.get("/docs/assets/init.js")
async def swagger_init() -> Response:
    return Response(_INIT, media_type="text/javascript", headers=_asset_headers())


@router.get("/docs/assets/{name}")
async def asset(name: str) -> Response:
    if name not in _FILES:
        return Response(status_code=404, headers={"X-Content-Type-Options": "nosniff"})
    return FileResponse(_ASSETS / name, media_type=_FILES[name], headers=_asset_headers())


def _asset_headers() -> dict[str, str]:
    return {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
