"""The audit of the signed checkpoints: whose key signed each, whether its signature and
row agree, and whether the log still gives the root it signed.

Which key is trusted: the one the caller names, else the first checkpoint's (which
the database itself names, so then a signature is checked for consistency only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ledger.transparency.findings import AuditReport, Finding, FindingKind
from ledger.transparency.notes import (
    NoteError,
    Verifier,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
)
from ledger.transparency.signer_state import LastSigned
from ledger.transparency.store import StoredCheckpoint

__all__ = ["CheckpointAudit"]


@dataclass
class CheckpointAudit:
    """The checkpoints' part of one audit, once the pass over the log gave its roots."""

    report: AuditReport
    checkpoints: Sequence[StoredCheckpoint]
    verifiers: Sequence[Verifier]
    last_signed: LastSigned | None
    # The root the log gives for each size a checkpoint (or the key's state) names.
    log_roots: Mapping[int, bytes]

    def _trusted(self) -> list[Verifier]:
        if self.verifiers:
            self.report.trusted_key = self.verifiers[0].vkey
            self.report.key_given = True
            return list(self.verifiers)
        if not self.checkpoints:
            return []
        first = min(self.checkpoints, key=lambda c: c.recorded_at)
        try:
            verifier = parse_verifier_key(first.vkey)
        except NoteError:
            return []
        self.report.trusted_key = verifier.vkey
        return [verifier]

    def check(self, *, complete: bool) -> None:
        """Add to the report what each checkpoint (and the key's last one) shows."""
        trusted = self._trusted()
        findings = self.report.findings
        for checkpoint in self.checkpoints:
            finding = self._check_signature(checkpoint, trusted)
            if finding is None:
                self.report.verified += 1
                if complete:
                    finding = self._check_root(checkpoint)
            if finding is not None:
                findings.append(finding)
        if self.last_signed is not None:
            findings.extend(self._check_last_signed(self.last_signed, complete=complete))
        if self.report.key_given and not self.checkpoints:
            # Deleting every checkpoint must not look like a clean log. (A recorded one
            # that the key does not open is a finding of its own above.)
            findings.append(
                Finding(
                    FindingKind.NO_TRUSTED_CHECKPOINT,
                    None,
                    f"no checkpoint is recorded, so nothing signed by {self.report.trusted_key}"
                    " vouches for this log (were its checkpoints deleted?)",
                )
            )

    def _check_last_signed(self, last: LastSigned, *, complete: bool) -> list[Finding]:
        """What the key's state file (its last checkpoint, outside the database) shows."""
        if any((c.size, c.root) == (last.size, last.root) for c in self.checkpoints):
            return []  # checked with the others
        found = [
            Finding(
                FindingKind.MISSING_CHECKPOINT,
                None,
                f"the key last signed a checkpoint of size {last.size} ({last.path}); the"
                " database does not hold it: its checkpoints were deleted, or the database"
                " was rolled back to an older copy",
            )
        ]
        if not complete:
            return found
        if last.size > self.report.events:
            found.append(
                Finding(
                    FindingKind.DELETED_EVENT,
                    None,
                    f"the key signed {last.size} events; the log now has {self.report.events}",
                )
            )
        elif last.size > 0 and self.log_roots.get(last.size) != last.root:
            found.append(
                Finding(
                    FindingKind.CHECKPOINT_MISMATCH,
                    None,
                    f"the first {last.size} events no longer have the root the key signed"
                    f" last ({last.path}): the log was changed or forked",
                )
            )
        return found

    def _check_signature(
        self, checkpoint: StoredCheckpoint, trusted: list[Verifier]
    ) -> Finding | None:
        try:
            text = open_note(checkpoint.note, trusted)
        except NoteError as error:
            try:
                own = parse_verifier_key(checkpoint.vkey)
                open_note(checkpoint.note, [own])
            except NoteError:
                return Finding(
                    FindingKind.BAD_SIGNATURE,
                    None,
                    f"checkpoint of size {checkpoint.size}: {error}",
                )
            if own.vkey not in {v.vkey for v in trusted}:
                return Finding(
                    FindingKind.OTHER_KEY,
                    None,
                    f"checkpoint of size {checkpoint.size} is signed by {own.vkey}",
                )
            return Finding(
                FindingKind.BAD_SIGNATURE, None, f"checkpoint of size {checkpoint.size}: {error}"
            )
        try:
            signed = parse_checkpoint(text)
        except NoteError as error:
            return Finding(FindingKind.BAD_SIGNATURE, None, str(error))
        if (signed.size, signed.root) != (checkpoint.size, checkpoint.root):
            return Finding(
                FindingKind.CHECKPOINT_MISMATCH,
                None,
                f"the row of the checkpoint of size {checkpoint.size} is not what its note signed",
            )
        return None

    def _check_root(self, checkpoint: StoredCheckpoint) -> Finding | None:
        size = checkpoint.size
        if size > self.report.events:
            return Finding(
                FindingKind.DELETED_EVENT,
                None,
                f"a checkpoint signed {size} events; the log now has {self.report.events}",
            )
        if self.log_roots.get(size) != checkpoint.root:
            return Finding(
                FindingKind.CHECKPOINT_MISMATCH,
                None,
                f"the first {size} events no longer have the root signed for them",
            )
        return None
