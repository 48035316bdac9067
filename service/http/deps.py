"""The routes' dependencies, as ``Annotated`` aliases: the parts of the server, the
acting member (from the bearer token), and read-your-writes waiting.

Every write names its actor through ``Writer`` (or, for votes, ``WriteRequest``,
whose token the vote's own batch reads): the token's member (or the operator, for
an operator token), never a field of the body. Tokens are read from the store on
every request (one read by primary key), so a revoked token fails at once in every
process; the idempotency layer, which authenticates first, leaves the token in the
request's state so it is read once per request.

The dependencies that only look at the request are coroutines: FastAPI runs a
plain function in a worker thread, and each hop there costs more than they do.
Those that read the store (a token, ``after_position``'s wait) stay plain
functions, off the event loop: a read there lets go of the GIL, and the loop then
waits for the writer thread to give it back, for every request in flight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ledger import Ledger
from ledger.application.tokens import ApiToken, InvalidTokenError, authenticate, token_id_for
from ledger.domain.errors import InvalidValueError, PermissionDeniedError
from projections.queries import ReadModels
from service.http.following import LiveLineage
from service.http.services import Services

__all__ = [
    "Actor",
    "After",
    "CommandKey",
    "Credentials",
    "GraphAfter",
    "LedgerDep",
    "LineageDep",
    "OptionalActor",
    "ReadModelsDep",
    "ServicesDep",
    "WriteCredentials",
    "WriteRequestDep",
    "Writer",
    "check_after",
    "token_of",
]

_bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer rlt_...`")


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_ledger(services: ServicesDep) -> Ledger:
    return services.ledger


async def get_lineage(services: ServicesDep) -> LiveLineage:
    return services.lineage


LedgerDep = Annotated[Ledger, Depends(get_ledger)]
LineageDep = Annotated[LiveLineage, Depends(get_lineage)]


@dataclass(frozen=True)
class Actor:
    """Who acts: a member, or the operator (``member_id`` None)."""

    token_id: UUID
    member_id: UUID | None

    @property
    def is_operator(self) -> bool:
        return self.member_id is None

    def member(self, act: str) -> UUID:
        """The acting member, for acts only a member can do (not the operator)."""
        if self.member_id is None:
            raise PermissionDeniedError(f"an operator token cannot {act}; use a member's token")
        return self.member_id


def token_of(request: Request, ledger: Ledger, secret: str | None) -> ApiToken:
    """The request's token (read once per request), or 401."""
    cached = getattr(request.state, "api_token", None)
    if isinstance(cached, ApiToken):
        return cached
    if not secret:
        raise InvalidTokenError("this needs an API token: Authorization: Bearer TOKEN")
    token = authenticate(ledger, secret)
    request.state.api_token = token
    return token


@dataclass(frozen=True)
class Credentials:
    """A write's bearer token as sent, not read yet: the secret and the id it names.

    ``actor`` reads the token (a revoked one fails there). The vote routes call it
    inside their batch, which reads the tokens with its other records; the other
    writes call it through ``Writer``.
    """

    request: Request
    secret: str
    token_id: UUID

    def actor(self, ledger: Ledger) -> Actor:
        token = token_of(self.request, ledger, self.secret)
        return Actor(token.id, token.member_id)


async def write_credentials(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Credentials:
    """A write's token (401 when none is given) and its rate limit (429), without a
    read of the store: the limit counts by the id the secret names."""
    return _credentials(request, credentials)


def _credentials(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Credentials:
    services: Services = request.app.state.services
    cached = getattr(request.state, "api_token", None)
    secret = credentials.credentials if credentials else ""
    if isinstance(cached, ApiToken):
        token_id = cached.id
    elif not secret:
        raise InvalidTokenError("this needs an API token: Authorization: Bearer TOKEN")
    else:
        token_id = token_id_for(secret)
    services.limiter.check(token_id, "too many writes with this token; slow down")
    return Credentials(request, secret, token_id)


WriteCredentials = Annotated[Credentials, Depends(write_credentials)]


def optional_actor(
    request: Request,
    ledger: LedgerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor | None:
    """The acting member when a token is given (a wrong one is still 401)."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    if credentials is None:
        raise InvalidTokenError("the Authorization header is not 'Bearer TOKEN'")
    token = token_of(request, ledger, credentials.credentials)
    return Actor(token.id, token.member_id)


def writer(services: ServicesDep, credentials: WriteCredentials) -> Actor:
    """The acting member of a write: a valid token is required, and writes are rate-limited."""
    return credentials.actor(services.ledger)


OptionalActor = Annotated[Actor | None, Depends(optional_actor)]
Writer = Annotated[Actor, Depends(writer)]


def after_position(
    services: ServicesDep,
    after: Annotated[
        int | None,
        Query(
            ge=0,
            le=2**62,
            description="Wait (a few seconds at most) until the answer includes this position;"
            " 503 with Retry-After if it does not in time.",
        ),
    ] = None,
) -> int | None:
    """``after``: wait for the read models to include it (the graph is waited on where read)."""
    if after is not None:
        check_after(services.ledger, after)
        services.read_models.projector.wait(after, timeout=services.settings.wait_seconds)
    return after


def check_after(ledger: Ledger, after: int | None) -> None:
    """A position to wait for must exist: every position a write answered is at most
    the log's head (in every process), so one beyond it is a mistake, not a wait."""
    if after is not None and after > ledger.head:
        raise InvalidValueError(f"position {after} is beyond the log's head ({ledger.head})")


After = Annotated[int | None, Depends(after_position)]


async def graph_after(
    services: ServicesDep,
    after: Annotated[
        int | None,
        Query(
            ge=0,
            le=2**62,
            description="Wait (a few seconds at most) until the lineage graph includes this"
            " position; 503 with Retry-After if it does not in time.",
        ),
    ] = None,
) -> int | None:
    """``after`` for answers from the lineage graph (which waits for it where it is read)."""
    check_after(services.ledger, after)
    return after


GraphAfter = Annotated[int | None, Depends(graph_after)]


async def get_read_models(services: ServicesDep) -> ReadModels:
    return services.read_models


ReadModelsDep = Annotated[ReadModels, Depends(get_read_models)]


IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Makes a retried write happen once: the same key with the same"
        " request replays the first answer; with another request it is refused (422)."
        " Kept 24 hours, per member.",
    ),
]


async def command_key(
    credentials: WriteCredentials, idempotency_key: IdempotencyKeyHeader = None
) -> str | None:
    """The request's idempotency key as the commands keep it (they record an act with
    a key they have applied once), so a write saved just before a crash is not
    recorded again when the client retries."""
    return _command_key(credentials, idempotency_key)


def _command_key(credentials: Credentials, idempotency_key: str | None) -> str | None:
    # Scoped to the token that sent it: two curators who happen to send the same
    # key for the same production's revenue are two acts, not one.
    if idempotency_key is None:
        return None
    return f"http:{credentials.token_id}:{idempotency_key.strip()}"


@dataclass(frozen=True)
class WriteRequest:
    """All a write route needs from the request, as one dependency (the vote routes:
    each dependency FastAPI solves costs the event loop more than its body does)."""

    services: Services
    credentials: Credentials
    key: str | None


async def write_request(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    idempotency_key: IdempotencyKeyHeader = None,
) -> WriteRequest:
    """``WriteCredentials`` and ``CommandKey`` together, with the server's services."""
    checked = _credentials(request, credentials)
    return WriteRequest(request.app.state.services, checked, _command_key(checked, idempotency_key))


WriteRequestDep = Annotated[WriteRequest, Depends(write_request)]
CommandKey = Annotated[str | None, Depends(command_key)]
