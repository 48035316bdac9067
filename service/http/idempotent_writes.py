"""ASGI middleware: writes with an ``Idempotency-Key`` are done once (see ``idempotency``).

It authenticates the request itself (the key's scope is the token's member) and
leaves the token in the request's state for the route. A request with no valid
token passes through untouched: the route answers 401 and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.tokens import ApiToken, InvalidTokenError, authenticate
from service.http.idempotency import StoredResponse, fingerprint
from service.http.problems import problem_response

__all__ = ["KEY_HEADER", "IdempotentWrites"]

KEY_HEADER = "idempotency-key"
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_MAX_KEY = 255
# Replayed as they were first sent; the rest of the headers are the server's own.
_KEPT_HEADERS = {"content-type", "ledger-position", "location"}


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
        status = 0
        transient = False
        kept: dict[str, str] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, transient
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    text = name.decode("latin-1").lower()
                    transient = transient or text == "retry-after"
                    # An answer that must not be kept (it holds a token) is not.
                    secret = text == "cache-control" and b"no-store" in value
                    transient = transient or secret
                    if text in _KEPT_HEADERS:
                        kept[text] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        store = self.services.idempotency
        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await to_thread.run_sync(store.release, scope_name, key)
            raise
        # Kept only when the write ran to an answer; one that says "try again"
        # (401, 429, a conflict with Retry-After, any 5xx) may be tried again, and
        # one marked ``Cache-Control: no-store`` (a new token) is never written down.
        if 0 < status < 500 and status not in (401, 429) and not transient:
            response = StoredResponse(status, kept, b"".join(chunks))
            await to_thread.run_sync(store.complete, scope_name, key, response)
        else:
            await to_thread.run_sync(store.release, scope_name, key)


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
