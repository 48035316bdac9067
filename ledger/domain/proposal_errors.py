"""The errors of Community Payment Proposals (a leaf module: imports only the errors)."""

from __future__ import annotations

from ledger.domain.errors import InvalidValueError, LedgerError

__all__ = [
    "OverPoolError",
    "ProposalStateError",
    "UnansweredObjectionError",
    "UnknownProposalError",
    "WindowNotClosedError",
]


class UnknownProposalError(LedgerError):
    """No proposal has that id."""


class ProposalStateError(LedgerError):
    """The act is not possible in the proposal's present state."""


class WindowNotClosedError(ProposalStateError):
    """The comment window is still open: finalizing must wait for its close."""


class UnansweredObjectionError(ProposalStateError):
    """An objection is still unanswered: finalizing must wait for its answer."""


class OverPoolError(InvalidValueError):
    """The lines total more than the payment or budget made available."""
