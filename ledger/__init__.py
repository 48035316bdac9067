"""The write side of Remix Ledger: aggregates, their events, and the Ledger application.

``domain/`` holds the aggregates, their values, rules and errors; ``application/`` the
``Ledger`` and its commands by use case; ``adapters/`` the storage; ``archive/`` the
archive format; ``transparency/`` the tamper-evident log. Each says what it may import.
May import: eventsourcing, the standard library (and psycopg, lazily) only; never
FastAPI, pydantic or NetworkX (those belong to the layers above).
"""

# Registers the topics the aggregates were recorded under, before anything reads an event.
import ledger.application.recorded_topics  # noqa: F401
from ledger.application.ledger import ConcurrencyError, Ledger, Recorded, open_ledger
from ledger.domain.values import Citation, CreditMode, Kind, Money, Relation, Role

__all__ = [
    "Citation",
    "ConcurrencyError",
    "CreditMode",
    "Kind",
    "Ledger",
    "Money",
    "Recorded",
    "Relation",
    "Role",
    "open_ledger",
]
