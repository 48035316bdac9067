"""An API token: how a member (or the operator) acts through the HTTP API.

The aggregate is known by ``uuid5`` of its secret's SHA-256 digest, so nothing
stored gives the secret back (``ledger.application.tokens`` issues and checks them).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.domain.errors import LedgerError
from ledger.domain.topics import recorded_under

__all__ = ["ApiToken", "InvalidTokenError", "token_id_for"]

_NAMESPACE = UUID("1f0b9a52-2d0e-5c4e-9a57-3c51d3a1e8b7")


class InvalidTokenError(LedgerError):
    """The API token is missing, unknown or revoked."""


@recorded_under("ledger.tokens")
class ApiToken(Aggregate):
    """One API token, known by the digest of its secret."""

    class Issued(Aggregate.Created):
        TOPIC = "ledger.tokens:ApiToken.Issued"
        member_id: UUID | None
        label: str
        actor_id: UUID | None
        occurred_at: datetime

    def __init__(
        self, *, member_id: UUID | None, label: str, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.member_id = member_id
        self.label = label
        self.issued_at = occurred_at
        self.revoked_at: datetime | None = None

    class Revoked(Aggregate.Event):
        TOPIC = "ledger.tokens:ApiToken.Revoked"
        actor_id: UUID | None
        occurred_at: datetime

    @event(Revoked)
    def _revoke(self, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.revoked_at = occurred_at

    def revoke(self, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        """Revoke the token; revoking it again records nothing."""
        if self.revoked_at is None:
            self._revoke(actor_id=actor_id, occurred_at=occurred_at)

    @property
    def is_operator(self) -> bool:
        return self.member_id is None


def token_id_for(secret: str) -> UUID:
    """The id of the token whose secret this is: ``uuid5`` of its SHA-256 digest."""
    return uuid5(_NAMESPACE, hashlib.sha256(secret.encode()).hexdigest())
