"""ASGI middleware: writes with an ``Idempotency-Key`` are done once (see ``idempotency``).

It authenticates the request itself (the key's scope is the token's member) and
leaves the token in the request's state for the route. A request with no valid
token passes through untouched: the route answers 401 and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.application.tokens import ApiToken, InvalidTokenError, authenticate
from service.http.idempotency import StoredResponse, fingerprint
from service.http.problems import problem_response

__all__ = ["KEY_HEADER", "IdempotentWrites"]

KEY_HEADER = "idempotency-key"
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_MAX_KEY = 255
# Replayed as they were first sent; the rest of the headers are the server's own.
_KEPT_HEADERS = {"content-type", "etag", "ledger-position", "location"}


class IdempotentWrites:
    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        # The app's state: its ``services`` are opened when the server starts.
        self.state = state

    @property
    def services(self) -> Any:
        return self.state.services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value for name, value in scope["headers"]}
        raw_key = headers.get(KEY_HEADER)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not 1 <= len(key) <= _MAX_KEY:
            await _answer(
                scope,
                send,
                400,
                "bad-idempotency-key",
                f"Idempotency-Key is 1 to {_MAX_KEY} characters",
            )
            return
        token = await to_thread.run_sync(self._token, headers.get("authorization"))
        if token is None:
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})["api_token"] = token
        body, replay = await _read_body(receive)
        scope_name = str(token.member_id) if token.member_id else f"operator:{token.id}"
        request = fingerprint(scope["method"], scope["path"], body)
        store = self.services.idempotency
        claim = await to_thread.run_sync(store.claim, scope_name, key, request)
        if claim.outcome == "mismatch":
            await _answer(
                scope,
                send,
                422,
                "idempotency-key-reused",
                "this Idempotency-Key was used with another request",
            )
            return
        if claim.outcome == "running":
            await _answer(
                scope,
                send,
                409,
                "idempotency-key-in-use",
                "a request with this Idempotency-Key is still running; retry shortly",
                {"Retry-After": "1"},
            )
            return
        if claim.outcome == "replay":
            assert claim.response is not None
            await _replay(claim.response, send)
            return
        await self._run_once(scope, replay, send, scope_name, key)

    def _token(self, header: bytes | None) -> ApiToken | None:
        if header is None:
            return None
        scheme, _, secret = header.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer":
            return None
        try:
            return authenticate(self.services.ledger, secret.strip())
        except InvalidTokenError:
            return None

    async def _run_once(
        self, scope: Scope, receive: Receive, send: Send, scope_name: str, key: str
    ) -> None:
        # The answer is held back until it is kept: a client that got it must find
        # it again after a crash, so it is written down before it is sent.
        messages: list[Message] = []

        async def hold(message: Message) -> None:
            messages.append(message)

        store = self.services.idempotency
        try:
            await self.app(scope, receive, hold)
        except BaseException:
            await to_thread.run_sync(store.release, scope_name, key)
            raise
        response = _kept(messages)
        if response is None:
            await to_thread.run_sync(store.release, scope_name, key)
        else:
            await to_thread.run_sync(store.complete, scope_name, key, response)
        for message in messages:
            await send(message)


def _kept(messages: list[Message]) -> StoredResponse | None:
    """The answer to keep, or None when it must not be kept: one that says "try
    again" (401, 429, Retry-After, any 5xx) may be tried again, and one marked
    ``Cache-Control: no-store`` (it holds a new token) is never written down."""
    start = next((m for m in messages if m["type"] == "http.response.start"), None)
    if start is None:
        return None
    status = int(start["status"])
    headers = {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in start.get("headers", [])
    }
    if status >= 500 or status in (401, 429) or "retry-after" in headers:
        return None
    if "no-store" in headers.get("cache-control", ""):
        return None
    kept = {name: value for name, value in headers.items() if name in _KEPT_HEADERS}
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return StoredResponse(status, kept, body)


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and a ``receive`` that gives it to the app again."""
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(parts)
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, again


async def _replay(response: StoredResponse, send: Send) -> None:
    headers = [(name.encode(), value.encode()) for name, value in response.headers.items()]
    headers.append((b"content-length", str(len(response.body)).encode()))
    headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def _answer(
    scope: Scope,
    send: Send,
    status: int,
    kind: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> None:
    response = problem_response(status, kind, detail, headers=headers, instance=scope.get("path"))

    async def nothing() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    await response(scope, nothing, send)
