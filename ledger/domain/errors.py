"""The ledger's own errors: each names one broken rule and says it in one line.

A leaf module: it imports nothing from the project, so every layer can catch
these without pulling in the domain.
"""

from __future__ import annotations

from uuid import UUID

__all__ = [
    "AlreadyIssuedError",
    "AlreadyPublishedError",
    "AmbiguousMemberError",
    "ArchiveError",
    "ControlCharacterError",
    "CycleError",
    "DatabaseSettingError",
    "DuplicateExternalIdError",
    "HandleTakenError",
    "InvalidAmountError",
    "InvalidHandleError",
    "InvalidSourcesError",
    "InvalidTimeError",
    "InvalidValueError",
    "InvalidWeightsError",
    "LedgerError",
    "NotAuthorError",
    "NotCuratorError",
    "NotPublishedError",
    "OwnWorkVoteError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "ReadOnlyLedgerError",
    "RetractedError",
    "RoyaltyOverAllocationError",
    "StorageBusyError",
    "StorageFullError",
    "StorageUnavailableError",
    "TextTooLongError",
    "UnknownCommentError",
    "UnknownMemberError",
    "UnknownProductionError",
    "UnknownWorkError",
]


class LedgerError(Exception):
    """A command or query broke one of the ledger's rules; nothing was recorded."""


class UnknownMemberError(LedgerError):
    """No member has the given id, external id or handle."""


class AmbiguousMemberError(LedgerError):
    """A reference is one member's external id and another's handle (recorded before
    registration kept the two apart); only a member id says which."""


class UnknownWorkError(LedgerError):
    """No work has the given id or external id."""


class UnknownCommentError(LedgerError):
    """No comment has the given id or external id."""


class UnknownProductionError(LedgerError):
    """No production has the given id or external id."""


class InvalidValueError(LedgerError):
    """A value is malformed (a kind, a relation, a percentage, a vote value...)."""


class InvalidWeightsError(InvalidValueError):
    """A production's work weights are negative, total zero, or miss or name a wrong work."""

    def __init__(self, message: str, *, work_id: UUID | None = None) -> None:
        super().__init__(message)
        self.work_id = work_id  # the work whose weight is wrong (None: the map as a whole)


class InvalidHandleError(InvalidValueError):
    """A handle is not 2-32 characters of a-z, 0-9, '_' or '-'."""


class HandleTakenError(LedgerError):
    """Another member already has this handle (handles ignore case)."""


class DuplicateExternalIdError(LedgerError):
    """Another record already carries this external id."""


class TextTooLongError(InvalidValueError):
    """A title, body or comment is longer than its limit, or empty where text is needed."""


class ControlCharacterError(InvalidValueError):
    """A text holds a control character (NUL, an escape, a line break in a name...)."""


class InvalidSourcesError(LedgerError):
    """A remix's sources are missing, repeated, too many, or include the work itself."""


class RoyaltyOverAllocationError(InvalidSourcesError):
    """A citation's royalty percentages would promise more than 100% of a payment."""


class InvalidTimeError(InvalidValueError):
    """An act is dated in the future, or before a record it builds on."""


class CycleError(LedgerError):
    """Citing this source would make a work its own ancestor."""


class PermissionDeniedError(LedgerError):
    """The acting member may not do this."""


class NotAuthorError(PermissionDeniedError):
    """Only an author of the work (or of the comment) may do this."""


class NotCuratorError(PermissionDeniedError):
    """Only a member with the curator role may do this."""


class OwnWorkVoteError(LedgerError):
    """Members do not vote on works they authored."""


class RetractedError(LedgerError):
    """The work or comment was retracted and cannot take part in this act."""


class AlreadyPublishedError(LedgerError):
    """The production was already published; its contents are frozen."""


class AlreadyIssuedError(LedgerError):
    """A royalty statement is issued once per revenue payment."""


class NotPublishedError(LedgerError):
    """Revenue is recorded only for published productions."""


class InvalidAmountError(InvalidValueError):
    """A money amount is not positive, or has more decimals than its currency allows."""


class ArchiveError(LedgerError):
    """An archive line is malformed or breaks a rule; the message starts with FILE:LINE."""


class DatabaseSettingError(LedgerError):
    """The database setting (--db / REMIX_LEDGER_DB) is malformed or unreachable."""


class PreconditionFailedError(LedgerError):
    """The record is no longer at the version the request was based on; nothing was recorded."""

    def __init__(self, message: str, *, record_id: UUID, current_version: int) -> None:
        super().__init__(message)
        self.record_id = record_id
        self.current_version = current_version


class ReadOnlyLedgerError(LedgerError):
    """The ledger is open for reading only; nothing was recorded."""


class StorageUnavailableError(LedgerError):
    """The database cannot take this now; nothing was recorded; try again later."""


class StorageBusyError(StorageUnavailableError):
    """The database is locked by another writer; nothing was recorded; try again shortly."""


class StorageFullError(StorageUnavailableError):
    """The disk or the database is full; nothing was recorded; reads go on."""
