"""ASGI middleware: failed authentications are throttled by client address.

Every answer of 401 takes one from its client address's bucket (``FAILURE_BURST``
at once, refilled at ``FAILURES_PER_SECOND``; requests already let in still count,
into debt down to minus the burst, so a flood over many connections is held off
for longer rather than let through in bursts). While an address's bucket is
empty, its requests that carry a token are refused with 429 before any route
runs: a client guessing tokens, or sending made-up ones, costs the server no read
of the store and no bucket of the per-token write limiter. A token that this
process has seen succeed still passes, so a member who shares an address (a NAT,
a proxy) with such a client keeps working. Requests without a token (reads) are
never refused here.

Behind a reverse proxy every client has the proxy's address; run the proxy's own
limits there.
"""

from __future__ import annotations

from collections import OrderedDict
from uuid import UUID

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.application.tokens import ApiToken, token_id_for
from service.http.problems import problem_response
from service.http.ratelimit import RateLimiter

__all__ = ["FAILURES_PER_SECOND", "FAILURE_BURST", "AuthFailureThrottle"]

FAILURE_BURST = 30
FAILURES_PER_SECOND = 1.0
#: Tokens remembered as good (LRU): enough for every member active at once.
_GOOD_TOKENS = 10_000


class AuthFailureThrottle:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.failures = RateLimiter(FAILURES_PER_SECOND, FAILURE_BURST)
        self._good: OrderedDict[UUID, None] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        secret = _bearer(scope)
        token_id = token_id_for(secret) if secret else None
        if token_id is not None and token_id not in self._good:
            wait = self.failures.wait(address)
            if wait > 0:
                response = problem_response(
                    429,
                    "rate-limited",
                    "too many failed authentications from this address; slow down",
                    headers={"Retry-After": self.failures.retry_after(wait)},
                    instance=scope.get("path"),
                )
                await response(scope, receive, send)
                return

        # Shared with the routes (``request.state``), which leave the token there once read.
        state = scope.setdefault("state", {})

        async def watched_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 401:
                    self.failures.charge(address)
                elif isinstance(token := state.get("api_token"), ApiToken):
                    self._remember(token.id)
            await send(message)

        await self.app(scope, receive, watched_send)

    def _remember(self, token_id: UUID) -> None:
        self._good[token_id] = None
        self._good.move_to_end(token_id)
        if len(self._good) > _GOOD_TOKENS:
            self._good.popitem(last=False)


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name.lower() == b"authorization":
            scheme, _, secret = value.decode("latin-1").partition(" ")
            return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None
    return None
