"""API tokens: how a member (or the operator) acts through the HTTP API.

A token is a random secret shown once, when it is issued. The ledger keeps only
its SHA-256 digest, and not even that as such: the token aggregate's id is
``uuid5`` of the digest, so finding a token is one read by primary key, and
nothing stored (or exported, or logged) gives the secret back. The archive
export skips these events, so tokens never leave with an archive.

``member_id`` None marks an operator token, for acts that no member may do.
Revoking is an event too; since every request reads the token from the store,
a revoked token fails at once in every server process.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ledger.application.ledger import Ledger, Recorded
from ledger.application.log import iter_events
from ledger.application.operations import in_one_transaction
from ledger.application.unit_of_work import UnitOfWork
from ledger.domain.errors import UnknownMemberError
from ledger.domain.member import Member
from ledger.domain.token import ApiToken, InvalidTokenError, token_id_for
from ledger.domain.values import check_text, utc_now

__all__ = [
    "TOKEN_PREFIX",
    "ApiToken",
    "InvalidTokenError",
    "IssuedToken",
    "authenticate",
    "issue_token",
    "list_tokens",
    "register_with_token",
    "revoke_token",
    "stage_token",
    "token_id_for",
]

#: Every token starts so: easy to recognise in a leaked file, and by secret scanners.
TOKEN_PREFIX = "rlt_"
_MAX_TOKEN = 200
_NOT_VALID = "the API token is not valid: unknown, or revoked"


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued: its secret (shown this once), its id and position."""

    secret: str
    token_id: UUID
    member_id: UUID | None
    position: int | None


def stage_token(
    uow: UnitOfWork,
    member_id: UUID | None,
    *,
    label: str = "",
    actor_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> tuple[str, UUID]:
    """Add a new token to a unit of work (its transaction saves it); return
    (secret, token id). ``member_id`` must name a member, or be None (operator)."""
    check_text("label", label, 100, required=False)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = token_id_for(secret)

    def command(inner: UnitOfWork) -> None:
        if member_id is not None:
            inner.get(
                Member, member_id, lambda: UnknownMemberError(f"no member has id {member_id}")
            )
        inner.add(
            ApiToken._create(
                ApiToken.Issued,
                id=token_id,
                member_id=member_id,
                label=label,
                actor_id=actor_id,
                occurred_at=occurred_at or utc_now(),
            )
        )

    uow.run(command)
    return secret, token_id


def issue_token(
    ledger: Ledger,
    member_id: UUID | None,
    *,
    label: str = "",
    actor_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> IssuedToken:
    """Issue a token for a member (or, with ``member_id`` None, an operator token)."""
    (secret, token_id), position = in_one_transaction(
        ledger,
        lambda uow: stage_token(
            uow, member_id, label=label, actor_id=actor_id, occurred_at=occurred_at
        ),
    )
    return IssuedToken(secret, token_id, member_id, position)


def register_with_token(
    ledger: Ledger,
    *,
    handle: str,
    name: str | None = None,
    external_id: str | None = None,
    actor_id: UUID | None = None,
) -> IssuedToken:
    """Register a member and issue their first token, in one transaction (the API's
    registration: a member who could not act would be of no use)."""

    def act(uow: UnitOfWork) -> tuple[str, UUID, UUID]:
        member_id = ledger.register_member(
            handle=handle, name=name, external_id=external_id, actor_id=actor_id
        ).id
        secret, token_id = stage_token(uow, member_id, label="registration", actor_id=actor_id)
        return secret, token_id, member_id

    (secret, token_id, member_id), position = in_one_transaction(ledger, act)
    return IssuedToken(secret, token_id, member_id, position)


def authenticate(ledger: Ledger, secret: str) -> ApiToken:
    """The live token with this secret; ``InvalidTokenError`` if unknown or revoked.

    Reads the token from the store every time (one read by primary key), so a
    revocation holds at once in every process.
    """
    # One answer for a token never issued and one revoked: telling them apart would
    # tell a holder of an old leaked secret that it was real.
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > _MAX_TOKEN:
        raise InvalidTokenError(_NOT_VALID)
    found = _stored_token(ledger, token_id_for(secret))
    if found is None or found.revoked_at is not None:
        raise InvalidTokenError(_NOT_VALID)
    return found


def revoke_token(
    ledger: Ledger,
    token_id: UUID,
    *,
    actor_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> Recorded:
    """Revoke a token by its id (as ``list_tokens`` shows it)."""

    def act(uow: UnitOfWork) -> None:
        def command(inner: UnitOfWork) -> None:
            token = inner.get(
                ApiToken, token_id, lambda: InvalidTokenError(f"no API token has id {token_id}")
            )
            token.revoke(actor_id=actor_id, occurred_at=occurred_at or utc_now())

        uow.run(command)

    _, position = in_one_transaction(ledger, act)
    return Recorded(token_id, position)


def list_tokens(ledger: Ledger) -> list[ApiToken]:
    """Every token ever issued, in the order issued (a pass over the log: for operators)."""
    ids = [
        event.originator_id for _, event in iter_events(ledger, only=(ApiToken.Issued,)) if event
    ]
    tokens = [_stored_token(ledger, token_id) for token_id in ids]
    return [token for token in tokens if token is not None]


def _stored_token(ledger: Ledger, token_id: UUID) -> ApiToken | None:
    # Through the batch open on this thread, if any: the server's group commit
    # reads a batch's tokens with its other records, in one statement.
    found: object = ledger.record(token_id)
    return found if isinstance(found, ApiToken) else None
