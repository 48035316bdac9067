"""RFC 9162 Merkle tree hashing, and inclusion and consistency proofs made from a hash source.

Pure: no database, no I/O. A tree is seen through a ``HashSource``, which gives
the hash of any *complete* subtree (``2**level`` leaves starting at a multiple of
``2**level``); every hash a proof needs is made of those. The in-memory
``LeafHashes`` source serves tests and small trees; the stored tree
(``ledger.transparency.store``) is the other.

Examples
--------
>>> leaves = LeafHashes([leaf_hash(bytes([i])) for i in range(5)])
>>> proof = inclusion_proof(leaves, 3, 5)
>>> len(proof)
3
>>> from ledger.transparency.proofs import verify_inclusion
>>> verify_inclusion(leaf_hash(bytes([3])), 3, 5, proof, root_hash(leaves, 5))
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "HashSource",
    "LeafHashes",
    "TreeBuilder",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_hash",
    "subtree_hash",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256
# TreeBuilder.extend hashes aligned runs of one tile (256 leaves, 8 levels) at once.
_RUN_HEIGHT = 8
_RUN = 1 << _RUN_HEIGHT


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry)."""
    return _sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


class HashSource(Protocol):
    """A tree's complete subtrees: ``node(level, index)`` is MTH(D[index*2**level :
    (index+1)*2**level]); ``nodes`` gives several consecutive ones at one level."""

    def nodes(self, level: int, start: int, end: int) -> Sequence[bytes]: ...


def _largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly less than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_hash(source: HashSource, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for a range as RFC 9162's recursion meets it.

    Such a range splits into a complete left part of the largest power of two
    below its length and the rest, and ``start`` is a multiple of that power; so
    it is a run of complete subtrees of decreasing size, each one node of the source.
    """
    size = end - start
    if size == 0:
        return EMPTY_ROOT
    parts: list[bytes] = []
    while size:
        level = size.bit_length() - 1
        if start % (1 << level):
            raise ValueError(f"the range {start}..{end} is not one RFC 9162 subtree")
        parts.append(source.nodes(level, start >> level, (start >> level) + 1)[0])
        start += 1 << level
        size -= 1 << level
    result = parts[-1]
    for part in reversed(parts[:-1]):
        result = node_hash(part, result)
    return result


def root_hash(source: HashSource, size: int) -> bytes:
    """The root of the tree of the first ``size`` leaves."""
    return subtree_hash(source, 0, size)


def inclusion_proof(source: HashSource, index: int, size: int) -> list[bytes]:
    """RFC 9162 PATH(index, D[0:size]): the audit path of leaf ``index``, leaf first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        split = start + _largest_power_of_two_below(end - start)
        if index < split:
            path.append(subtree_hash(source, split, end))
            end = split
        else:
            path.append(subtree_hash(source, start, split))
            start = split
    path.reverse()
    return path


def consistency_proof(source: HashSource, old_size: int, new_size: int) -> list[bytes]:
    """RFC 9162 PROOF(old_size, D[0:new_size]); empty when either size is 0 or they are equal."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    path: list[bytes] = []
    # SUBPROOF(m, D[start:end], whole), unrolled; ``m`` counts from ``start``.
    start, end, m, whole = 0, new_size, old_size, True
    while m != end - start:
        k = _largest_power_of_two_below(end - start)
        if m <= k:
            path.append(subtree_hash(source, start + k, end))
            end = start + k
        else:
            path.append(subtree_hash(source, start, start + k))
            start += k
            m -= k
            whole = False
    if not whole:
        path.append(subtree_hash(source, start, end))
    path.reverse()
    return path


class LeafHashes:
    """An in-memory hash source over a list of leaf hashes (nodes computed on demand)."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [list(leaves)]

    def append(self, leaf: bytes) -> None:
        self.levels[0].append(leaf)

    def __len__(self) -> int:
        return len(self.levels[0])

    def nodes(self, level: int, start: int, end: int) -> list[bytes]:
        while len(self.levels) <= level:
            self.levels.append([])
        for at in range(1, level + 1):
            below, here = self.levels[at - 1], self.levels[at]
            complete = len(below) // 2
            for i in range(len(here), complete):
                here.append(node_hash(below[2 * i], below[2 * i + 1]))
            if len(here) > complete:
                del here[complete:]
        found = self.levels[level][start:end]
        if len(found) != end - start:
            raise IndexError(f"no complete subtree {start}..{end} at level {level}")
        return found


class TreeBuilder:
    """Builds a tree leaf by leaf, holding only the right edge (one hash per level).

    ``completed`` is given (level, index, hash) for every complete subtree as it
    is finished, at the levels that are multiples of ``every``: how the stored
    tree keeps its tile-level nodes (``every=8``) and how ``verify`` compares
    them, without holding the tree.
    """

    def __init__(self, every: int = 1) -> None:
        self.size = 0
        self.every = every
        # The roots of the complete subtrees on the right edge, largest first.
        self.edge: list[bytes] = []

    def append(self, leaf: bytes, completed: list[tuple[int, int, bytes]] | None = None) -> None:
        self._push(leaf, 0, completed)

    def extend(
        self, leaves: Sequence[bytes], completed: list[tuple[int, int, bytes]] | None = None
    ) -> None:
        """Append many leaves: each aligned run of 256 is hashed up in one tight loop,
        level by level, rather than leaf by leaf (when no level below 8 is reported)."""
        at, count = 0, len(leaves)
        sha256 = _sha256
        while at < count:
            if self.size % _RUN or count - at < _RUN or (completed is not None and self.every < 8):
                self._push(leaves[at], 0, completed)
                at += 1
                continue
            run = leaves[at : at + _RUN]
            for _ in range(_RUN_HEIGHT):
                run = [
                    sha256(b"\x01" + left + right).digest()
                    for left, right in zip(run[::2], run[1::2], strict=True)
                ]
            self._push(run[0], _RUN_HEIGHT, completed)
            at += _RUN

    def _push(
        self, node: bytes, level: int, completed: list[tuple[int, int, bytes]] | None
    ) -> None:
        """Add a complete subtree of height ``level`` at the right edge (size aligned to it)."""
        edge = self.edge
        edge.append(node)
        index = self.size >> level
        self.size += 1 << level
        if level and completed is not None and level % self.every == 0:
            completed.append((level, index, node))
        while index & 1:
            right = edge.pop()
            edge[-1] = node_hash(edge[-1], right)
            index >>= 1
            level += 1
            if completed is not None and level % self.every == 0:
                completed.append((level, index, edge[-1]))

    def root(self) -> bytes:
        if not self.edge:
            return EMPTY_ROOT
        result = self.edge[-1]
        for part in reversed(self.edge[:-1]):
            result = node_hash(part, result)
        return result
