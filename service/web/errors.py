"""Errors on pages: an HTML page with the status, never a stack trace or problem JSON.

The pages' routes use ``PageRoute``: a ledger error (an unknown work, a bad
``as_of``), a query that does not validate, or anything unexpected becomes an
error page with the status an API client would get (404, 422, 503, 500), in the
same layout and under the same Content-Security-Policy as every page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from ledger.adapters.storage import storage_error
from ledger.domain.errors import (
    LedgerError,
    StorageUnavailableError,
    UnknownCommentError,
    UnknownMemberError,
    UnknownProductionError,
    UnknownWorkError,
)
from lineage.budget import LineageTooSlowError
from lineage.render import GraphvizMissingError
from projections.projector import ReadModelsBehindError
from service.web.templating import render_page

__all__ = ["PageRoute", "error_page", "first_line"]

_log = logging.getLogger("remix_ledger.web")
_NOT_FOUND = (UnknownWorkError, UnknownMemberError, UnknownProductionError, UnknownCommentError)
_UNAVAILABLE = (
    ReadModelsBehindError,
    GraphvizMissingError,
    LineageTooSlowError,
    StorageUnavailableError,
)
_TITLES = {
    404: "Not found",
    422: "That request cannot be answered",
    500: "Something went wrong",
    503: "Not ready yet",
}


def error_page(request: Request, status: int, detail: str, *, retry_after: int = 1) -> Response:
    response = render_page(
        request,
        "error.html",
        status_code=status,
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
    )
    if status == 503:
        response.headers["Retry-After"] = str(retry_after)
    return response


def first_line(error: Exception) -> str:
    """An error as one line of a page."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


_first_line = first_line


class PageRoute(APIRoute):
    """A route whose errors are answered with an HTML error page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except _NOT_FOUND as error:
                return error_page(request, 404, _first_line(error))
            except _UNAVAILABLE as error:
                wait = error.retry_after if isinstance(error, LineageTooSlowError) else 1
                return error_page(request, 503, _first_line(error), retry_after=wait)
            except LedgerError as error:
                return error_page(request, 422, _first_line(error))
            except RequestValidationError as error:
                first = error.errors()[0] if error.errors() else {}
                where = ".".join(str(part) for part in first.get("loc", ()) if part != "query")
                return error_page(request, 422, f"{where}: {first.get('msg', 'invalid')}")
            except Exception as error:
                busy_or_full = storage_error(error)
                if busy_or_full is not None:
                    return error_page(request, 503, _first_line(busy_or_full))
                _log.exception("a page failed: %s %s", request.method, request.url.path)
                return error_page(
                    request, 500, "the page could not be made; the failure was logged"
                )

        return page_handler
