"""What every event says about its act: who did it, when, and (optionally) its key.

``actor_id`` is the acting member, or ``None`` for the operator (the person at the
command line of the server, who needs no membership). ``occurred_at`` is when the
act happened in the world: given by an import, or now; the store keeps its own
``timestamp`` of when it was recorded besides.

``idempotency_key`` identifies an act that has no external id of its own (a vote,
a revenue line, an HTTP request retried with the same key). Aggregates remember
the keys they have applied, so repeating an act with the same key records nothing.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

__all__ = ["LedgerAggregate"]


class LedgerAggregate(Aggregate):
    """Base for the ledger's aggregates: remembers the idempotency keys it has applied."""

    def __init__(self) -> None:
        self.applied_keys: set[str] = set()

    def has_applied(self, idempotency_key: str | None) -> bool:
        """True when an act with this key was already applied to this aggregate."""
        return idempotency_key is not None and idempotency_key in self.applied_keys

    def _remember(self, idempotency_key: str | None) -> None:
        if idempotency_key is not None:
            self.applied_keys.add(idempotency_key)
