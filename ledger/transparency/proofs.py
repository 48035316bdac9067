"""Checking RFC 9162 inclusion and consistency proofs: pure, no database, no I/O.

What an auditor runs with nothing but a proof, the roots it trusts (from signed
checkpoints) and this module. Both checks follow RFC 9162 sections 2.1.3.2 and
2.1.4.2, and reject anything that is not exactly a proof for the sizes given:
a hash of the wrong length, a path too long or too short, an index outside the
tree.

>>> from ledger.transparency.merkle import LeafHashes, consistency_proof, leaf_hash, root_hash
>>> tree = LeafHashes([leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")])
>>> proof = consistency_proof(tree, 2, 3)
>>> verify_consistency(2, 3, root_hash(tree, 2), root_hash(tree, 3), proof)
>>> verify_consistency(2, 3, root_hash(tree, 2), root_hash(tree, 2), proof)
Traceback (most recent call last):
...
ledger.transparency.proofs.ProofError: the consistency proof does not lead to the new root
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.domain.errors import LedgerError
from ledger.transparency.merkle import HASH_SIZE, node_hash

__all__ = ["ProofError", "verify_consistency", "verify_inclusion"]


class ProofError(LedgerError):
    """A proof does not show what it claims to."""


def _check_hashes(what: str, hashes: Sequence[bytes]) -> None:
    for at, value in enumerate(hashes):
        if len(value) != HASH_SIZE:
            raise ProofError(f"{what} hash {at} is {len(value)} bytes, not {HASH_SIZE}")


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ``ProofError`` unless ``proof`` puts leaf hash ``leaf`` at ``index`` under ``root``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    _check_hashes("the leaf", [leaf])
    _check_hashes("the root", [root])
    _check_hashes("the proof's", proof)
    fn, sn = index, size - 1
    result = leaf
    for sibling in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    if result != root:
        raise ProofError("the inclusion proof does not lead to the root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ``ProofError`` unless ``proof`` shows the tree at ``old_size`` is a prefix of
    the tree at ``new_size``."""
    if not 0 < old_size <= new_size:
        # From the empty tree there is nothing to prove (RFC 9162 defines no such proof).
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    _check_hashes("the proof's", proof)
    if old_size == new_size:
        if proof:
            raise ProofError("the sizes are equal, so the proof must be empty")
        if old_root != new_root:
            raise ProofError("the sizes are equal but the roots differ")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    _check_hashes("the old root", [old_root])
    _check_hashes("the new root", [new_root])
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old tree is a complete subtree: its root is the path's first node.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old_result = new_result = path[0]
    for node in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the trees are deep")
        if fn & 1 or fn == sn:
            old_result = node_hash(node, old_result)
            new_result = node_hash(node, new_result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            new_result = node_hash(new_result, node)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the trees are deep")
    if old_result != old_root:
        raise ProofError("the consistency proof does not lead to the old root")
    if new_result != new_root:
        raise ProofError("the consistency proof does not lead to the new root")
