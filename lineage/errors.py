"""The lineage package's own errors: credits and royalties that cannot be computed.

A leaf module: it imports only the ledger's errors, so that ``LineageError`` is a
``LedgerError`` and every entry point that already turns ledger errors into one
clear line (the CLI) or a problem+json response (the API) handles these too.
Unknown works, members and productions are reported with the ledger's own
``Unknown...Error`` classes.
"""

from __future__ import annotations

from ledger.domain.errors import InvalidValueError, LedgerError

__all__ = [
    "InvalidPolicyError",
    "LineageError",
    "OverAllocationError",
    "StatementError",
    "UnknownPolicyError",
]


class LineageError(LedgerError):
    """Credits or royalties could not be computed over the lineage."""


class OverAllocationError(LineageError):
    """Declared royalty percentages would entitle ancestors to more than 100% of a payment."""


class UnknownPolicyError(LineageError):
    """No royalty policy has the given name."""


class InvalidPolicyError(LineageError, InvalidValueError):
    """A royalty policy's parameter is malformed or out of range."""


class StatementError(LineageError):
    """A royalty statement cannot be drawn up (no works, bad weights, every share waived)."""
