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
from dataclasses import dataclass

from ledger.transparency.checkpoint_audit import CheckpointAudit
from ledger.transparency.entries import entry_leaf_hash
from ledger.transparency.findings import AuditReport, Finding, FindingKind
from ledger.transparency.merkle import TreeBuilder
from ledger.transparency.notes import Verifier
from ledger.transparency.signer_state import LastSigned
from ledger.transparency.store import TreeStore
from ledger.transparency.stored_leaves import PAGE, StoredLeaves, stored_nodes
from ledger.transparency.tables import RawEvent
from ledger.transparency.tiles import TILE_HEIGHT

__all__ = ["AuditReport", "Finding", "FindingKind", "audit"]

_BEFORE_EVERYTHING = -(2**63)


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
        self.nodes = stored_nodes(store)
        self.log_tree = TreeBuilder(every=TILE_HEIGHT)
        self.stored_tree: TreeBuilder | None = None  # forked at the first mismatch
        self.mismatch: _Mismatch | None = None
        self.structural: Finding | None = None
        self.node_findings: list[Finding] = []
        self._completed: list[tuple[int, int, bytes]] = []

    # ------------------------------------------------------------ the pass

    def run(self) -> AuditReport:
        leaves = StoredLeaves(self.store)
        report = self.report
        done = False
        for page in self.store.tables.iter_events(_BEFORE_EVERYTHING, PAGE):
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
        CheckpointAudit(
            report, self.checkpoints, self.verifiers, self.last_signed, self.log_roots
        ).check(complete=not done)
        report.findings.sort(key=lambda f: (f.position is None, f.position or 0))
        return report

    def _whole_page(self, page: list[RawEvent], leaves: StoredLeaves) -> bool:
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

    def _one_by_one(self, page: list[RawEvent], leaves: StoredLeaves) -> bool:
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


def audit(
    store: TreeStore,
    verifiers: Sequence[Verifier] = (),
    on_progress: Callable[[int], None] | None = None,
    last_signed: LastSigned | None = None,
) -> AuditReport:
    """Check the whole log against the stored tree and every recorded checkpoint, and
    against ``last_signed``, the checkpoint the key's state file holds, when given."""
    return _Audit(store, verifiers, on_progress, last_signed).run()
