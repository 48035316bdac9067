"""The tree kept in the ledger's database: one leaf per event, exactly once, on SQLite
and PostgreSQL; its proofs, tiles and entries agree with a tree built independently."""

from __future__ import annotations

import threading

import pytest

from ledger import Ledger, open_ledger
from ledger.transparency.entries import decode_entry
from ledger.transparency.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
)
from ledger.transparency.proofs import verify_consistency, verify_inclusion
from ledger.transparency.store import TileNotFoundError, TreeStore
from tests.transparency.conftest import independent_leaves


def test_every_event_is_one_leaf_and_the_root_is_the_logs(sample_ledger: Ledger) -> None:
    store = TreeStore(sample_ledger)
    size = store.catch_up(batch=100)
    positions, leaves = independent_leaves(sample_ledger)
    assert size == len(positions) > 512
    assert store.root() == root_hash(leaves, size)
    assert store.catch_up() == size


def test_the_tree_follows_new_events_and_a_rebuild_gives_the_same_tree(
    sample_ledger: Ledger,
) -> None:
    store = TreeStore(sample_ledger)
    before = store.catch_up()
    old_root = store.root()
    sample_ledger.register_member(handle="newcomer")
    sample_ledger.register_member(handle="another")
    after = store.catch_up()
    assert after > before
    _, leaves = independent_leaves(sample_ledger)
    assert store.root() == root_hash(leaves, after)
    assert store.root(before) == old_root
    assert store.rebuild() == after
    assert store.root() == root_hash(leaves, after)


def test_proofs_from_the_store_equal_the_independent_ones_and_verify(
    sample_ledger: Ledger,
) -> None:
    store = TreeStore(sample_ledger)
    size = store.catch_up()
    _, leaves = independent_leaves(sample_ledger)
    root = store.root()
    for index in (0, 1, 255, 256, 300, size - 1):
        proof = inclusion_proof(store, index, size)
        assert proof == inclusion_proof(leaves, index, size)
        verify_inclusion(leaves.nodes(0, index, index + 1)[0], index, size, proof, root)
    for old in (1, 255, 256, 257, 511, 512, size - 1):
        proof = consistency_proof(store, old, size)
        assert proof == consistency_proof(leaves, old, size)
        verify_consistency(old, size, store.root(old), root, proof)


def test_tiles_hold_the_leaf_hashes_and_the_nodes_of_full_tiles(sample_ledger: Ledger) -> None:
    store = TreeStore(sample_ledger)
    size = store.catch_up()
    _, leaves = independent_leaves(sample_ledger)
    assert store.tile(0, 0) == b"".join(leaves.nodes(0, 0, 256))
    width = size % 256
    assert store.tile(0, size // 256, width) == b"".join(leaves.nodes(0, size - width, size))
    assert store.tile(1, 0, size // 256) == b"".join(leaves.nodes(8, 0, size // 256))
    with pytest.raises(TileNotFoundError):
        store.tile(0, size // 256)  # not full yet
    with pytest.raises(TileNotFoundError):
        store.tile(1, 0)


def test_an_entry_bundle_holds_each_entry_after_its_length(sample_ledger: Ledger) -> None:
    store = TreeStore(sample_ledger)
    store.catch_up()
    positions, leaves = independent_leaves(sample_ledger)
    bundle = store.entry_bundle(1)
    entries = []
    at = 0
    while at < len(bundle):
        length = int.from_bytes(bundle[at : at + 2], "big")
        entries.append(bundle[at + 2 : at + 2 + length])
        at += 2 + length
    assert [leaf_hash(e) for e in entries] == leaves.nodes(0, 256, 512)
    assert [decode_entry(e).position for e in entries] == positions[256:512]


def test_two_followers_at_once_make_each_event_one_leaf(sample_url: str) -> None:
    ledgers = [open_ledger(sample_url), open_ledger(sample_url)]
    stores = [TreeStore(ledger) for ledger in ledgers]
    try:
        threads = [
            threading.Thread(target=store.catch_up, kwargs={"batch": 50}) for store in stores
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        positions, leaves = independent_leaves(ledgers[0])
        for store in stores:
            store.forget()
            assert store.catch_up() == len(positions)
            assert store.root() == root_hash(leaves, len(positions))
    finally:
        for ledger in ledgers:
            ledger.close()


def test_a_gap_in_postgresql_positions_is_no_leaf(databases: object) -> None:
    """A rolled-back transaction leaves a position unused: the next event is the next leaf."""
    from tests.conftest import Databases

    assert isinstance(databases, Databases)
    ledger = open_ledger(databases.url("postgres"))
    try:
        ledger.register_member(handle="first")
        recorder = ledger.recorder
        with recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'notification_id'))",
                (f'"{recorder.datastore.schema}".{recorder.events_table_name}',),  # type: ignore[attr-defined]
            )
        ledger.register_member(handle="second")
        store = TreeStore(ledger)
        positions, leaves = independent_leaves(ledger)
        assert positions[-1] - positions[0] > len(positions) - 1  # there is a gap
        assert store.catch_up() == len(positions)
        assert [store.position_of(i) for i in range(len(positions))] == positions
        assert [store.leaf_at(p)[0] for p in positions] == list(range(len(positions)))  # type: ignore[index]
        gaps = set(range(positions[0], positions[-1] + 2)) - set(positions)
        assert gaps and all(store.leaf_at(p) is None for p in gaps)
        assert store.root() == root_hash(leaves, len(positions))
    finally:
        ledger.close()


def test_an_entry_too_long_for_a_bundle_is_refused_but_still_proved(
    sample_ledger: Ledger,
) -> None:
    """A bundle's uint16 lengths cap an entry at 65 535 bytes; a long work body passes it."""
    from ledger.transparency.proving import prove_inclusion
    from ledger.transparency.store import EntryTooLargeError

    member = sample_ledger.register_member(handle="longwinded").id
    recorded = sample_ledger.contribute(authors=[member], title="Long", body="word " * 15_000)
    store = TreeStore(sample_ledger)
    store.catch_up()
    assert recorded.position is not None
    index, _ = store.leaf_at(recorded.position)  # type: ignore[misc]
    with pytest.raises(EntryTooLargeError):
        store.entry_bundle(index // 256, index % 256 + 1)
    document = prove_inclusion(store, recorded.position, store.size)
    assert document["leaf_index"] == index
