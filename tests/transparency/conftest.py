"""Ledgers with a log worth a tree: the Tiny Stories sample (more than two full tiles)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger import Ledger, open_ledger
from ledger.archive.importer import import_archive
from ledger.transparency.entries import encode_entry
from ledger.transparency.merkle import HASH_SIZE, LeafHashes, leaf_hash
from ledger.transparency.store import TreeStore
from tests.conftest import SAMPLE, Databases


@pytest.fixture(params=["sqlite", "postgres"])
def sql_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sample_url(sql_backend: str, databases: Databases) -> str:
    url = databases.url(sql_backend)
    ledger = open_ledger(url)
    try:
        import_archive(ledger, SAMPLE.read_text().splitlines(), source=SAMPLE.name)
    finally:
        ledger.close()
    return url


@pytest.fixture
def sample_ledger(sample_url: str) -> Iterator[Ledger]:
    ledger = open_ledger(sample_url)
    yield ledger
    ledger.close()


def independent_leaves(ledger: Ledger) -> tuple[list[int], LeafHashes]:
    """Positions and leaf hashes of the log, read through the library's own API."""
    positions: list[int] = []
    leaves = LeafHashes()
    for notification in ledger.recorder.select_notifications(start=1, limit=10**9):
        positions.append(notification.id)
        leaves.append(
            leaf_hash(
                encode_entry(
                    notification.id,
                    notification.originator_id,  # type: ignore[arg-type]
                    notification.originator_version,
                    notification.topic,
                    notification.state,
                )
            )
        )
    return positions, leaves


def change_stored_leaf(store: TreeStore, index: int, value: bytes) -> None:
    """Overwrite the stored hash of leaf ``index`` in SQL, in whichever run holds it."""
    tables = store.tables
    with tables.transaction(commit=True) as cursor:
        tables.plain_rows(cursor)
        cursor.execute(
            tables.sql(
                f"SELECT leaf_index, hash FROM {tables.leaves} WHERE leaf_index <= ?"
                " ORDER BY leaf_index DESC LIMIT 1"
            ),
            (index,),
        )
        first, hashes = cursor.fetchone()
        at = (index - first) * HASH_SIZE
        assert at < len(hashes), f"no stored leaf {index}"
        changed = bytes(hashes[:at]) + value + bytes(hashes[at + HASH_SIZE :])
        cursor.execute(
            tables.sql(f"UPDATE {tables.leaves} SET hash = ? WHERE leaf_index = ?"),
            (changed, first),
        )
