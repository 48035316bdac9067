"""Request limits, before any route runs: body size (413), media type (415) and the
time a body may take to arrive (408).

A body is counted as it arrives, so a chunked body with no ``Content-Length``
is cut off as soon as it passes the limit, never buffered whole. A body that
never finishes (a client that sends half and waits) is cut off after
``body_read_seconds`` from the request's start, answered 408 with
``Connection: close``: uvicorn times out idle connections between requests, not
a body that stops midway, and each such request holds a connection open.
"""

from __future__ import annotations

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.problems import problem_response

__all__ = ["BodyTooLargeError", "BodyTooSlowError", "RequestLimits"]

_WITH_BODY = {"POST", "PUT", "PATCH"}


class BodyTooLargeError(HTTPException):
    """The request body is over the server's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over the limit of {limit} bytes")


class BodyTooSlowError(HTTPException):
    """The request body did not arrive in time."""

    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"the request body did not arrive within {seconds:g} s")


class RequestLimits:
    """ASGI middleware: refuse bodies over ``max_body_bytes`` and writes that are not JSON."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, body_read_seconds: float = 10.0) -> None:
        self.app = app
        self.limit = max_body_bytes
        self.body_read_seconds = body_read_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope["headers"]}
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await _refuse(
                    scope, send, 400, "bad-content-length", "Content-Length is not a number"
                )
                return
            if int(length) > self.limit:
                await _refuse(
                    scope, send, 413, "content-too-large", BodyTooLargeError(self.limit).detail
                )
                return
        has_body = (length is not None and int(length) > 0) or b"transfer-encoding" in headers
        if scope["method"] in _WITH_BODY and has_body:
            media = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if media != b"application/json" and not media.endswith(b"+json"):
                await _refuse(
                    scope,
                    send,
                    415,
                    "unsupported-media-type",
                    "the request body must be application/json",
                )
                return
        received = 0
        started = False
        deadline = anyio.current_time() + self.body_read_seconds

        async def counted_receive() -> Message:
            nonlocal received
            try:
                with anyio.fail_after(max(0.0, deadline - anyio.current_time())):
                    message = await receive()
            except TimeoutError:
                raise BodyTooSlowError(self.body_read_seconds) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLargeError(self.limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooSlowError as error:
            if started:
                raise
            await _refuse(
                scope, send, 408, "body-too-slow", str(error.detail), {"Connection": "close"}
            )
        except BodyTooLargeError as error:
            # Raised while a middleware (not a route) was reading the body.
            if started:
                raise
            await _refuse(scope, send, 413, "content-too-large", str(error.detail))


async def _refuse(
    scope: Scope,
    send: Send,
    status: int,
    kind: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> None:
    response = problem_response(status, kind, detail, headers=headers, instance=scope.get("path"))
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
