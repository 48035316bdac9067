"""``verify``: re-read the whole log, recompute the tree, and check it against what is stored
and what was signed.

Three witnesses are compared: the log as it is now (each event's entry hashed
again), the stored tree (its leaf hashes and tile-level nodes) and the signed
checkpoints. The tree is recomputed in one pass, holding only its right edge.
At the first leaf where the log and the stored leaf disagree, the audit tells
the kinds of change apart:

- a **deleted** event: a leaf whose position the log no longer has (or, when the
  rows after it were renumbered, the next stored leaf describes the event that now
  sits where the deleted one was);
- an **inserted** event: a position in the log that is no leaf though later leaves
  exist (or, renumbered, the event after it is the one the leaf describes);
- **reordered** events: the event now at one position is the one a later leaf
  describes at its own position;
- a **changed stored tree node**: the log still gives the hashes that the stored
  nodes above, or the signed checkpoints, hold; only the stored leaf or node differs;
- a **changed event** (a changed byte): otherwise;
- a checkpoint **signed by another key**, or whose signature or root no longer holds.

Nothing is written: events after the tree's last leaf are counted, not added.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ledger.transparency.entries import entry_leaf_hash
from ledger.transparency.merkle import TreeBuilder
from ledger.transparency.notes import (
    NoteError,
    Verifier,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
)
from ledger.transparency.signer_state import LastSigned
from ledger.transparency.store import StoredCheckpoint, TreeStore
from ledger.transparency.tables import RawEvent, StoredLeaf, split_run
from ledger.transparency.tiles import TILE_HEIGHT

__all__ = ["AuditReport", "Finding", "FindingKind", "audit"]

_PAGE = 20_000
_BEFORE_EVERYTHING = -(2**63)


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


@dataclass
class _Mismatch:
    """The first leaf whose stored hash the log no longer gives, until it is explained."""

    index: int
    event: RawEvent
    stored: bytes
    next_checked: bool = False
    # Evidence from above: True when the log agrees with a stored node or a signed root
    # over this leaf (so the stored leaf changed), False when the stored leaves do.
    log_agrees: bool | None = None
    explained: Finding | None = None


class _StoredLeaves:
    """The stored leaves in order, (index, position, hash), read about a page at a time."""

    def __init__(self, store: TreeStore) -> None:
        self.tables = store.tables
        self.after = -1  # the first leaf index of the last row read
        self.buffer: list[StoredLeaf] = []
        self.at = 0

    def _fill(self) -> bool:
        tables = self.tables
        select = f"SELECT leaf_index, position, hash FROM {tables.leaves} WHERE leaf_index > ?"
        with tables.transaction(commit=False) as cursor:
            tables.plain_rows(cursor)
            # The rows that start in the next page of leaf indexes (each row a run of
            # one leaf or more); past a hole wider than that, the next row.
            cursor.execute(
                tables.sql(f"{select} AND leaf_index <= ? ORDER BY leaf_index"),
                (self.after, self.after + _PAGE),
            )
            rows = cursor.fetchall()
            if not rows:
                cursor.execute(tables.sql(f"{select} ORDER BY leaf_index LIMIT 1"), (self.after,))
                rows = cursor.fetchall()
        if not rows:
            return False
        leaves = self.buffer[self.at :]
        for first, position, hashes in rows:
            leaves += split_run(first, position, bytes(hashes))
        self.buffer = leaves
        self.at = 0
        self.after = rows[-1][0]
        return True

    def take(self, count: int) -> list[StoredLeaf]:
        """Up to ``count`` next leaves."""
        while len(self.buffer) - self.at < count and self._fill():
            pass
        taken = self.buffer[self.at : self.at + count]
        self.at += len(taken)
        return taken

    def give_back(self, count: int) -> None:
        self.at -= count

    def next(self) -> StoredLeaf | None:
        taken = self.take(1)
        return taken[0] if taken else None


def _stored_nodes(store: TreeStore) -> dict[tuple[int, int], bytes]:
    with store.tables.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT level, idx, hash FROM {store.tables.nodes}")
        return {(row["level"], row["idx"]): bytes(row["hash"]) for row in cursor.fetchall()}


def _moved(event: RawEvent, position: int) -> bytes:
    """The leaf the event would have at ``position``."""
    return entry_leaf_hash(position, *event[1:])


class _Audit:
    def __init__(
        self,
        store: TreeStore,
        verifiers: Sequence[Verifier],
        on_progress: Callable[[int], None] | None,
        last_signed: LastSigned | None = None,
    ) -> None:
        self.store = store
        self.on_progress = on_progress
        self.report = AuditReport()
        self.checkpoints = store.checkpoints()
        self.report.checkpoints = len(self.checkpoints)
        self.verifiers = list(verifiers)
        self.last_signed = last_signed
        self.sizes = {c.size for c in self.checkpoints}
        if last_signed is not None:
            self.sizes.add(last_signed.size)
        self.log_roots: dict[int, bytes] = {}
        self.stored_roots: dict[int, bytes] = {}
        self.nodes = _stored_nodes(store)
        self.log_tree = TreeBuilder(every=TILE_HEIGHT)
        self.stored_tree: TreeBuilder | None = None  # forked at the first mismatch
        self.mismatch: _Mismatch | None = None
        self.structural: Finding | None = None
        self.node_findings: list[Finding] = []
        self._completed: list[tuple[int, int, bytes]] = []

    # ------------------------------------------------------------ the pass

    def run(self) -> AuditReport:
        leaves = _StoredLeaves(self.store)
        report = self.report
        done = False
        for page in self.store.tables.iter_events(_BEFORE_EVERYTHING, _PAGE):
            if not self._whole_page(page, leaves):
                done = self._one_by_one(page, leaves)
                if done:
                    break
            if self.on_progress is not None:
                self.on_progress(page[-1][0])
        if not done:
            leaf = leaves.next()
            if leaf is not None:
                index, position, _ = leaf
                self._found_structural(
                    FindingKind.DELETED_EVENT,
                    position,
                    f"leaf {index} holds an event at this position; the log ends before it",
                )
        self._conclude_mismatch()
        self._check_checkpoints(complete=not done)
        report.findings.sort(key=lambda f: (f.position is None, f.position or 0))
        return report

    def _whole_page(self, page: list[RawEvent], leaves: _StoredLeaves) -> bool:
        """The usual case, a page at a time: every event is its leaf. False (nothing
        consumed) when anything differs, for ``_one_by_one`` to find what."""
        if self.mismatch is not None or self.stored_tree is not None:
            return False
        chunk = leaves.take(len(page))
        computed = [entry_leaf_hash(*event) for event in page]
        if (
            len(chunk) != len(page)
            or [leaf[2] for leaf in chunk] != computed
            or [leaf[1] for leaf in chunk] != [event[0] for event in page]
        ):
            leaves.give_back(len(chunk))
            return False
        tree = self.log_tree
        base, start = tree.size, 0
        # Stop at each signed size inside the page, to take the root there.
        for size in sorted(s for s in self.sizes if base < s <= base + len(page)):
            tree.extend(computed[start : size - base], self._completed)
            start = size - base
            self._completed_nodes(None)
        tree.extend(computed[start:], self._completed)
        self._completed_nodes(None)
        self.report.events += len(page)
        self.report.leaves += len(page)
        return True

    def _one_by_one(self, page: list[RawEvent], leaves: _StoredLeaves) -> bool:
        """Event by event; True when the audit is over (a change found and explained)."""
        report = self.report
        for event in page:
            report.events += 1
            leaf = leaves.next()
            if leaf is None:
                report.untracked += 1
                self._add(entry_leaf_hash(*event), None)
                continue
            index, position, stored = leaf
            if position < event[0]:
                self._found_structural(
                    FindingKind.DELETED_EVENT,
                    position,
                    f"leaf {index} holds an event at this position; the log has none",
                )
                return True
            if position > event[0]:
                self._found_structural(
                    FindingKind.INSERTED_EVENT,
                    event[0],
                    f"the log has an event here that no leaf holds (leaf {index} is at"
                    f" position {position})",
                )
                return True
            self._leaf(index, event, entry_leaf_hash(*event), stored)
            report.leaves += 1
            if self.mismatch is not None and self.mismatch.explained is not None:
                return True
        return False

    def _leaf(self, index: int, event: RawEvent, computed: bytes, stored: bytes) -> None:
        mismatch = self.mismatch
        if mismatch is None and computed != stored:
            self.mismatch = mismatch = _Mismatch(index, event, stored)
            self.stored_tree = TreeBuilder(every=TILE_HEIGHT)
            self.stored_tree.edge = list(self.log_tree.edge)
            self.stored_tree.size = self.log_tree.size
        elif mismatch is not None and mismatch.explained is None:
            self._explain(mismatch, index, event, stored)
        self._add(computed, stored)

    def _explain(self, mismatch: _Mismatch, index: int, event: RawEvent, stored: bytes) -> None:
        first = mismatch.event
        if not mismatch.next_checked:
            mismatch.next_checked = True
            if _moved(event, first[0]) == mismatch.stored and _moved(first, event[0]) == stored:
                # Each of the two events is the one the other's leaf describes: a swap,
                # which the checks below would take for an insertion.
                mismatch.explained = Finding(
                    FindingKind.REORDERED_EVENTS,
                    first[0],
                    f"the event now here was recorded at position {event[0]} (leaf {index}),"
                    " and the event now there was recorded here: the two were swapped",
                )
                return
            if _moved(event, first[0]) == mismatch.stored:
                mismatch.explained = Finding(
                    FindingKind.INSERTED_EVENT,
                    first[0],
                    "an event was put here; the events after it were moved down one position",
                )
                return
            if _moved(first, event[0]) == stored:
                mismatch.explained = Finding(
                    FindingKind.DELETED_EVENT,
                    first[0],
                    "the event here was removed; the events after it were moved up one position",
                )
                return
        if _moved(first, event[0]) == stored:
            mismatch.explained = Finding(
                FindingKind.REORDERED_EVENTS,
                first[0],
                f"the event now here was recorded at position {event[0]} (leaf {index})",
            )

    def _add(self, computed: bytes, stored: bytes | None) -> None:
        self.log_tree.append(computed, self._completed)
        stored_completed: list[tuple[int, int, bytes]] | None = None
        if self.stored_tree is not None:
            stored_completed = []
            self.stored_tree.append(computed if stored is None else stored, stored_completed)
        self._completed_nodes(stored_completed)

    def _completed_nodes(self, stored_completed: list[tuple[int, int, bytes]] | None) -> None:
        """Check the tile-level nodes the last leaf completed, and the roots at signed sizes."""
        size = self.log_tree.size
        if size in self.sizes:
            self.log_roots[size] = self.log_tree.root()
            if self.stored_tree is not None:
                self.stored_roots[size] = self.stored_tree.root()
            self._evidence_from_root(size)
        completed = self._completed
        for at, (level, node, value) in enumerate(completed):
            kept = self.nodes.get((level // TILE_HEIGHT, node))
            stored_value = value if stored_completed is None else stored_completed[at][2]
            self._evidence_from_node(level, node, value, stored_value, kept)
        completed.clear()

    def _evidence_from_node(
        self, level: int, node: int, value: bytes, stored_value: bytes, kept: bytes | None
    ) -> None:
        mismatch = self.mismatch
        covers = mismatch is not None and mismatch.index >> level == node
        if covers and mismatch is not None and mismatch.log_agrees is None and kept is not None:
            if kept == value:
                mismatch.log_agrees = True
            elif kept == stored_value:
                mismatch.log_agrees = False
        if kept != stored_value and not self.node_findings:
            first_leaf = node << level
            self.node_findings.append(
                Finding(
                    FindingKind.CHANGED_TREE_NODE,
                    self._position_of(first_leaf),
                    f"the stored node {node} of tile level {level >> 3} (over leaves"
                    f" {first_leaf}..{(node + 1 << level) - 1})"
                    + (" is missing" if kept is None else " is not the hash of the leaves below"),
                )
            )

    def _evidence_from_root(self, size: int) -> None:
        mismatch = self.mismatch
        if mismatch is None or mismatch.log_agrees is not None:
            return
        signed = {c.root for c in self.checkpoints if c.size == size}
        if self.log_roots[size] in signed:
            mismatch.log_agrees = True
        elif self.stored_roots.get(size) in signed:
            mismatch.log_agrees = False

    def _position_of(self, index: int) -> int | None:
        return self.store.position_of(index)

    def _found_structural(self, kind: FindingKind, position: int, message: str) -> None:
        self.structural = Finding(kind, position, message)

    def _conclude_mismatch(self) -> None:
        findings = self.report.findings
        if self.structural is not None:
            findings.append(self.structural)
        mismatch = self.mismatch
        if mismatch is not None:
            findings.append(mismatch.explained or self._changed(mismatch))
        if all(f.kind != FindingKind.CHANGED_TREE_NODE for f in findings):
            # A changed leaf also breaks the node above it: say it once.
            findings.extend(self.node_findings)

    @staticmethod
    def _changed(mismatch: _Mismatch) -> Finding:
        if mismatch.log_agrees:
            return Finding(
                FindingKind.CHANGED_TREE_NODE,
                mismatch.event[0],
                f"the stored hash of leaf {mismatch.index} changed; the event still gives"
                " the hashes stored or signed above it",
            )
        return Finding(
            FindingKind.CHANGED_EVENT,
            mismatch.event[0],
            f"the stored event is not the one leaf {mismatch.index} holds (its bytes changed)",
        )

    # ------------------------------------------------------------ checkpoints

    def _trusted(self) -> list[Verifier]:
        if self.verifiers:
            self.report.trusted_key = self.verifiers[0].vkey
            self.report.key_given = True
            return self.verifiers
        if not self.checkpoints:
            return []
        first = min(self.checkpoints, key=lambda c: c.recorded_at)
        try:
            verifier = parse_verifier_key(first.vkey)
        except NoteError:
            return []
        self.report.trusted_key = verifier.vkey
        return [verifier]

    def _check_checkpoints(self, *, complete: bool) -> None:
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


def audit(
    store: TreeStore,
    verifiers: Sequence[Verifier] = (),
    on_progress: Callable[[int], None] | None = None,
    last_signed: LastSigned | None = None,
) -> AuditReport:
    """Check the whole log against the stored tree and every recorded checkpoint, and
    against ``last_signed``, the checkpoint the key's state file holds, when given."""
    return _Audit(store, verifiers, on_progress, last_signed).run()
