"""For random logs every inclusion and consistency proof verifies, and any change to
the proof, the hashes, the index or the sizes is rejected."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.transparency.merkle import (
    LeafHashes,
    TreeBuilder,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
)
from ledger.transparency.proofs import ProofError, verify_consistency, verify_inclusion


def _tree(size: int, salt: bytes) -> LeafHashes:
    # Distinct entries: with two equal leaves, a proof for one is a proof for the other.
    return LeafHashes(leaf_hash(salt + i.to_bytes(4, "big")) for i in range(size))


def _flip(value: bytes, bit: int) -> bytes:
    bit %= len(value) * 8
    changed = bytearray(value)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


@st.composite
def inclusions(draw: st.DrawFn) -> tuple[LeafHashes, int, int]:
    size = draw(st.integers(1, 300))
    index = draw(st.integers(0, size - 1))
    return _tree(size, draw(st.binary(max_size=8))), index, size


@st.composite
def consistencies(draw: st.DrawFn) -> tuple[LeafHashes, int, int]:
    new = draw(st.integers(1, 300))
    old = draw(st.integers(1, new))
    return _tree(new, draw(st.binary(max_size=8))), old, new


@given(inclusions(), st.integers(0, 10_000))
def test_inclusion_proofs_verify_and_any_change_is_rejected(
    case: tuple[LeafHashes, int, int], bit: int
) -> None:
    tree, index, size = case
    proof = inclusion_proof(tree, index, size)
    leaf = tree.nodes(0, index, index + 1)[0]
    root = root_hash(tree, size)
    verify_inclusion(leaf, index, size, proof, root)

    with pytest.raises(ProofError):
        verify_inclusion(_flip(leaf, bit), index, size, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, proof, _flip(root, bit))
    if proof:
        at = bit % len(proof)
        flipped = [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]]
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, flipped, root)
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, proof[:-1], root)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, [*proof, root], root)
    for other in {index - 1, index + 1, index ^ (1 << (bit % 9))} - {index}:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, other, size, proof, root)
    for other_size in {size - 1, size + 1, size * 2} - {size, 0}:
        # A proof for the wrong size, against that size's own root.
        other_tree = LeafHashes(tree.nodes(0, 0, size))
        while len(other_tree) < other_size:
            other_tree.append(leaf_hash(b"more" + len(other_tree).to_bytes(4, "big")))
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, other_size, proof, root_hash(other_tree, other_size))


@given(consistencies(), st.integers(0, 10_000))
def test_consistency_proofs_verify_and_any_change_is_rejected(
    case: tuple[LeafHashes, int, int], bit: int
) -> None:
    tree, old, new = case
    proof = consistency_proof(tree, old, new)
    old_root, new_root = root_hash(tree, old), root_hash(tree, new)
    verify_consistency(old, new, old_root, new_root, proof)

    with pytest.raises(ProofError):
        verify_consistency(old, new, _flip(old_root, bit), new_root, proof)
    with pytest.raises(ProofError):
        verify_consistency(old, new, old_root, _flip(new_root, bit), proof)
    if proof:
        at = bit % len(proof)
        flipped = [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]]
        with pytest.raises(ProofError):
            verify_consistency(old, new, old_root, new_root, flipped)
        with pytest.raises(ProofError):
            verify_consistency(old, new, old_root, new_root, proof[:-1])
    with pytest.raises(ProofError):
        verify_consistency(old, new, old_root, new_root, [*proof, new_root])
    for other_old in {old - 1, old + 1} - {old, 0}:
        if other_old <= new:
            with pytest.raises(ProofError):
                verify_consistency(other_old, new, root_hash(tree, other_old), new_root, proof)
    for other_new in {new - 1, new + 1} - {new}:
        if other_new >= old:
            grown = LeafHashes(tree.nodes(0, 0, new))
            grown.append(leaf_hash(b"one more"))
            with pytest.raises(ProofError):
                verify_consistency(old, other_new, old_root, root_hash(grown, other_new), proof)


@given(st.lists(st.binary(max_size=40), max_size=600))
def test_the_builder_and_the_recursive_definition_agree(entries: list[bytes]) -> None:
    leaves = [leaf_hash(entry) for entry in entries]
    builder = TreeBuilder()
    completed: list[tuple[int, int, bytes]] = []
    for leaf in leaves:
        builder.append(leaf, completed)
    tree = LeafHashes(leaves)
    assert builder.root() == root_hash(tree, len(leaves)) == _mth(leaves)
    for level, index, value in completed:
        assert tree.nodes(level, index, index + 1)[0] == value


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 9162's MTH, written as the RFC writes it."""
    from ledger.transparency.merkle import EMPTY_ROOT, node_hash

    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


@given(st.integers(0, 2_000), st.integers(0, 1_200), st.sampled_from([1, 8]))
def test_extending_by_runs_equals_appending_leaf_by_leaf(
    first: int, second: int, every: int
) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(first + second)]
    one, many = TreeBuilder(every), TreeBuilder(every)
    one_done: list[tuple[int, int, bytes]] = []
    many_done: list[tuple[int, int, bytes]] = []
    for leaf in leaves:
        one.append(leaf, one_done)
    many.extend(leaves[:first], many_done)
    many.extend(leaves[first:], many_done)
    assert (many.size, many.edge, many.root()) == (one.size, one.edge, one.root())
    assert sorted(many_done) == sorted(one_done)
