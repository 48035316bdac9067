"""The write side of Remix Ledger: aggregates, their events, and the Ledger application.

Owns: the domain (members, works, comments, votes, productions), the commands
and their rules, domain errors, the persistence setting, and the archive format.
May import: eventsourcing and the standard library only; never FastAPI,
pydantic or NetworkX (those belong to the layers above).
"""

from ledger.application import ConcurrencyError, Ledger, Recorded, open_ledger
from ledger.values import Citation, CreditMode, Kind, Money, Relation, Role

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
