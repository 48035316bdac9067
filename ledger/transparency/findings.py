"""What ``verify`` reports: each kind of change it tells apart, each finding, the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["AuditReport", "Finding", "FindingKind"]


class FindingKind(StrEnum):
    CHANGED_EVENT = "changed event"
    DELETED_EVENT = "deleted event"
    INSERTED_EVENT = "inserted event"
    REORDERED_EVENTS = "reordered events"
    CHANGED_TREE_NODE = "changed stored tree node"
    OTHER_KEY = "checkpoint signed by another key"
    BAD_SIGNATURE = "checkpoint signature does not verify"
    CHECKPOINT_MISMATCH = "checkpoint does not match the log"
    NO_TRUSTED_CHECKPOINT = "no checkpoint signed by the given key"
    MISSING_CHECKPOINT = "signed checkpoint missing from the database"


@dataclass(frozen=True)
class Finding:
    """One place where the stored data no longer matches."""

    kind: FindingKind
    position: int | None
    message: str

    def __str__(self) -> str:
        where = "" if self.position is None else f"position {self.position}: "
        return f"{where}{self.kind}: {self.message}"


@dataclass
class AuditReport:
    """What ``verify`` found: counts, the key it trusted, and the findings in log order."""

    events: int = 0
    leaves: int = 0
    untracked: int = 0
    checkpoints: int = 0  # recorded, whoever signed them
    verified: int = 0  # of them, those whose signature the trusted key checked
    trusted_key: str | None = None
    # True when the caller named the key; False when the first checkpoint's was taken,
    # which the database itself names, so no signature was checked against a trust.
    key_given: bool = False
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first(self) -> Finding | None:
        return self.findings[0] if self.findings else None
