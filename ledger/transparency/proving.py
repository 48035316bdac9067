"""Inclusion and consistency proofs of the stored tree, as documents (``documents``).

A size left out is the latest signed checkpoint's (so the proof comes with a
signature to check it against), else the tree's current size.
"""

from __future__ import annotations

from typing import Any

from ledger.domain.errors import LedgerError
from ledger.transparency.documents import consistency_document, inclusion_document
from ledger.transparency.merkle import consistency_proof, inclusion_proof
from ledger.transparency.store import TreeStore

__all__ = ["ProofRequestError", "prove_consistency", "prove_inclusion"]


class ProofRequestError(LedgerError):
    """A proof that cannot be made: a position that is no event, a size past the tree."""


def _checkpoint_note(store: TreeStore, size: int) -> str | None:
    signed = [c for c in store.checkpoints() if c.size == size]
    return signed[-1].note if signed else None


def _default_size(store: TreeStore, current: int, at_least: int) -> int:
    latest = store.latest_checkpoint()
    if latest is not None and at_least <= latest.size <= current:
        return latest.size
    return current


def prove_inclusion(store: TreeStore, position: int, size: int | None = None) -> dict[str, Any]:
    """The proof that the event at ``position`` is in the tree of ``size`` leaves."""
    current = store.catch_up()
    found = store.leaf_at(position)
    if found is None:
        raise ProofRequestError(f"there is no event at position {position}")
    index, _ = found
    size = _default_size(store, current, index + 1) if size is None else size
    if not index < size <= current:
        raise ProofRequestError(
            f"the event at position {position} is leaf {index}: the tree size must be"
            f" {index + 1} to {current}, not {size}"
        )
    return inclusion_document(
        position=position,
        leaf_index=index,
        tree_size=size,
        entry=store.entries(index, index + 1)[0],
        root=store.root(size),
        proof=inclusion_proof(store, index, size),
        checkpoint=_checkpoint_note(store, size),
    )


def prove_consistency(store: TreeStore, old: int, new: int | None = None) -> dict[str, Any]:
    """The proof that the tree of ``old`` leaves is a prefix of the tree of ``new``."""
    current = store.catch_up()
    new = _default_size(store, current, max(old, 1)) if new is None else new
    if not 0 < old <= new <= current:
        raise ProofRequestError(
            f"sizes must satisfy 0 < from <= to <= {current} (the tree's size), not {old}, {new}"
        )
    return consistency_document(
        old_size=old,
        new_size=new,
        old_root=store.root(old),
        new_root=store.root(new),
        proof=consistency_proof(store, old, new),
        old_checkpoint=_checkpoint_note(store, old),
        checkpoint=_checkpoint_note(store, new),
    )
