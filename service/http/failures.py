"""The last answer to a failure no route or handler answered, on a connection kept sound.

Starlette answers an unexpected error with its 500 handler and then raises the
error again, for the server to log; uvicorn then closes the connection under
the client without a word, and the client's next request on it is reset. This
middleware, outermost, answers instead and raises nothing:

- a ledger error raised outside the routes (in a middleware: the idempotency
  store, the group commit) gets its problem details, as from a route;
- a driver's "locked" or "full" that escaped the adapters is named by the
  ledger's ``storage_error`` and answered 503 with ``Retry-After``; the
  connection stays usable;
- anything else is logged and answered 500 with ``Connection: close``: the
  request may not have been read to its end, so the connection is not reused.

When the response had already started, nothing can be said any more; the
connection is closed (by the server, as before).
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.adapters.storage import storage_error
from ledger.domain.errors import LedgerError
from service.http.problems import ledger_problem, problem_response

__all__ = ["FailureAnswers"]

_log = logging.getLogger("remix_ledger.http")


class FailureAnswers:
    """ASGI middleware: answer an error that reached it, rather than re-raise it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watching)
        except Exception as error:
            if started:
                raise
            request = Request(scope)
            named = error if isinstance(error, LedgerError) else storage_error(error)
            if named is not None:
                response = ledger_problem(named, request.url.path)
            else:
                _log.exception("unexpected error on %s %s", request.method, request.url.path)
                response = problem_response(
                    500,
                    "internal",
                    "the server failed to answer; the failure was logged",
                    headers={"Connection": "close"},
                )
            await response(scope, receive, send)
