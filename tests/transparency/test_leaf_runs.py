"""The stored leaves are runs: a run per row gives back exactly the leaves written, in
order, each once; and a ledger whose rows hold one leaf each (as written before runs)
reads, proves, serves, verifies and grows as a ledger of runs does."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledger import Ledger
from ledger.transparency.audit import FindingKind, audit
from ledger.transparency.merkle import consistency_proof, inclusion_proof, root_hash
from ledger.transparency.store import TreeStore
from ledger.transparency.tables import leaf_runs, split_run
from ledger.transparency.tiles import TILE_WIDTH
from tests.transparency.conftest import change_stored_leaf, independent_leaves


@st.composite
def batches(draw: st.DrawFn) -> tuple[int, list[int], list[bytes]]:
    """A tree's size, then the increasing positions of new events (gaps allowed)."""
    size = draw(st.integers(0, 3 * TILE_WIDTH))
    steps = draw(st.lists(st.sampled_from([1, 1, 1, 1, 2, 5]), max_size=3 * TILE_WIDTH))
    first = draw(st.integers(1, 10**6))
    positions = [first + sum(steps[:at]) for at in range(len(steps))]
    hashes = [at.to_bytes(32, "big") for at in range(len(positions))]
    return size, positions, hashes


@given(batches())
def test_runs_give_back_each_leaf_once_in_order(batch: tuple[int, list[int], list[bytes]]) -> None:
    size, positions, hashes = batch
    runs = leaf_runs(size, positions, hashes)
    leaves = [leaf for run in runs for leaf in split_run(*run)]
    assert leaves == [(size + at, positions[at], hashes[at]) for at in range(len(positions))]
    for first, _, run_hashes in runs:
        count = len(run_hashes) // 32
        assert first // TILE_WIDTH == (first + count - 1) // TILE_WIDTH  # within one tile
    # As few rows as the rule allows: a run ends only at a tile boundary or a gap.
    for (_, position, run_hashes), (after, next_position, _) in pairwise(runs):
        count = len(run_hashes) // 32
        assert after % TILE_WIDTH == 0 or next_position != position + count


def _one_row_per_leaf(store: TreeStore) -> None:
    """Rewrite the stored leaves as ledgers written before runs hold them."""
    tables = store.tables
    with tables.transaction(commit=True) as cursor:
        tables.plain_rows(cursor)
        cursor.execute(f"SELECT leaf_index, position, hash FROM {tables.leaves}")
        rows = [split_run(first, position, bytes(h)) for first, position, h in cursor.fetchall()]
        cursor.execute(f"DELETE FROM {tables.leaves}")
        cursor.executemany(
            tables.sql(
                f"INSERT INTO {tables.leaves} (leaf_index, position, hash) VALUES (?, ?, ?)"
            ),
            [leaf for run in rows for leaf in run],
        )
    store.forget()


def _row_count(store: TreeStore) -> Any:
    with store.tables.transaction(commit=False) as cursor:
        store.tables.plain_rows(cursor)
        cursor.execute(f"SELECT COUNT(*) FROM {store.tables.leaves}")
        return cursor.fetchone()[0]


def test_a_tree_of_one_row_per_leaf_reads_as_the_same_tree(sample_ledger: Ledger) -> None:
    store = TreeStore(sample_ledger)
    size = store.catch_up()
    assert _row_count(store) < size  # runs
    tiles = [store.tile(0, index) for index in range(size // TILE_WIDTH)]
    bundle = store.entry_bundle(1)
    _one_row_per_leaf(store)
    assert _row_count(store) == size
    positions, leaves = independent_leaves(sample_ledger)
    assert store.head() == (size, positions[-1])
    assert store.root() == root_hash(leaves, size)
    assert [store.tile(0, index) for index in range(size // TILE_WIDTH)] == tiles
    assert store.entry_bundle(1) == bundle
    assert inclusion_proof(store, 300, size) == inclusion_proof(leaves, 300, size)
    assert consistency_proof(store, 257, size) == consistency_proof(leaves, 257, size)
    assert store.leaf_at(positions[300]) == (300, leaves.nodes(0, 300, 301)[0])
    assert audit(store).ok


def test_a_tree_of_one_row_per_leaf_grows_in_runs_and_verifies(sample_ledger: Ledger) -> None:
    store = TreeStore(sample_ledger)
    before = store.catch_up()
    _one_row_per_leaf(store)
    for handle in ("newcomer", "another", "third"):
        sample_ledger.register_member(handle=handle)
    after = store.catch_up()  # SQLite's recorder may have added them already
    positions, leaves = independent_leaves(sample_ledger)
    assert after == len(positions) > before
    assert store.root() == root_hash(leaves, after)
    assert audit(store).ok
    change_stored_leaf(store, 40, bytes(32))
    report = audit(store)
    assert report.first is not None
    assert (report.first.kind, report.first.position) == (
        FindingKind.CHANGED_TREE_NODE,
        positions[40],
    )


def test_leaves_are_read_up_to_the_first_one_not_stored(sample_ledger: Ledger) -> None:
    store = TreeStore(sample_ledger)
    size = store.catch_up()
    tables = store.tables
    with tables.transaction(commit=True) as cursor:
        tables.plain_rows(cursor)
        cursor.execute(
            tables.sql(f"SELECT MIN(leaf_index) FROM {tables.leaves} WHERE leaf_index >= ?"),
            (TILE_WIDTH,),
        )
        (hole,) = cursor.fetchone()
        cursor.execute(tables.sql(f"DELETE FROM {tables.leaves} WHERE leaf_index = ?"), (hole,))
    store.forget()
    with tables.transaction(commit=False) as cursor:
        tables.plain_rows(cursor)
        found = tables.read_leaves(cursor, TILE_WIDTH - 3, size)
    assert [index for index, _, _ in found] == list(range(TILE_WIDTH - 3, hole))
    assert store.position_of(hole) is None
    assert not audit(store).ok
