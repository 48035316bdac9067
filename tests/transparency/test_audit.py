"""``verify`` on SQLite and PostgreSQL: a clean ledger passes; each kind of change made to
the rows directly, in SQL, is reported as its kind at the right position."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ledger import Ledger
from ledger.transparency.audit import AuditReport, FindingKind, audit
from ledger.transparency.checkpoints import sign_checkpoint
from ledger.transparency.notes import Signer, generate_key
from ledger.transparency.store import TreeStore
from tests.transparency.conftest import change_stored_leaf


@pytest.fixture
def signer() -> Signer:
    return generate_key("studio.example/log")[0]


@pytest.fixture
def store(sample_ledger: Ledger, signer: Signer) -> Iterator[TreeStore]:
    tree = TreeStore(sample_ledger)
    sign_checkpoint(tree, signer)
    yield tree


class Rows:
    """Runs SQL on the ledger's own tables, as someone with access to the database would."""

    def __init__(self, store: TreeStore) -> None:
        self.tables = store.tables
        self.id = store.tables.position_column

    def run(self, *statements: tuple[str, tuple[Any, ...]]) -> None:
        with self.tables.transaction(commit=True) as cursor:
            for text, params in statements:
                cursor.execute(
                    self.tables.sql(
                        text.format(
                            events=self.tables.events,
                            id=self.id,
                            leaves=self.tables.leaves,
                            nodes=self.tables.nodes,
                        )
                    ),
                    params,
                )

    def one(self, text: str, params: tuple[Any, ...]) -> Any:
        with self.tables.transaction(commit=False) as cursor:
            cursor.execute(
                self.tables.sql(text.format(events=self.tables.events, id=self.id)), params
            )
            return cursor.fetchone()


def _first(report: AuditReport) -> tuple[FindingKind, int | None]:
    assert report.first is not None, "the change was not found"
    return report.first.kind, report.first.position


def _audit(store: TreeStore, signer: Signer) -> AuditReport:
    store.forget()
    return audit(store, [signer.verifier])


def test_a_clean_ledger_verifies(store: TreeStore, signer: Signer) -> None:
    report = _audit(store, signer)
    assert report.ok, report.findings
    assert report.events == report.leaves == store.size > 512
    assert report.checkpoints == 1


def test_events_recorded_after_the_tree_are_counted_not_failed(
    store: TreeStore, signer: Signer, sample_ledger: Ledger
) -> None:
    size = store.size
    # Recorded by a writer that does not keep the tree (the library's own recorder;
    # an SQLite ledger's default one writes the leaves in the same transaction).
    env = dict(sample_ledger.env)
    env.pop("APPLICATION_RECORDER_TOPIC", None)
    other = Ledger(env=env)
    try:
        other.register_member(handle="late")
    finally:
        other.close()
    report = _audit(store, signer)
    assert report.ok
    assert report.untracked == sample_ledger.recorder.max_notification_id() - size > 0


def test_a_changed_byte_is_reported_at_its_position(store: TreeStore, signer: Signer) -> None:
    Rows(store).run(
        (
            "UPDATE {events} SET originator_version = originator_version + 1000 WHERE {id} = ?",
            (300,),
        )
    )
    assert _first(_audit(store, signer)) == (FindingKind.CHANGED_EVENT, 300)


def test_a_changed_state_byte_in_the_partial_tile_is_reported(
    store: TreeStore, signer: Signer
) -> None:
    last = store.size  # positions run 1..size on a fresh ledger
    rows = Rows(store)
    state = bytes(rows.one("SELECT state FROM {events} WHERE {id} = ?", (last,))["state"])
    changed = state.replace(b"a", b"b", 1)
    assert changed != state
    rows.run(("UPDATE {events} SET state = ? WHERE {id} = ?", (changed, last)))
    assert _first(_audit(store, signer)) == (FindingKind.CHANGED_EVENT, last)


def test_a_deleted_row_is_reported(store: TreeStore, signer: Signer) -> None:
    Rows(store).run(("DELETE FROM {events} WHERE {id} = ?", (123,)))
    assert _first(_audit(store, signer)) == (FindingKind.DELETED_EVENT, 123)


def test_a_deleted_last_row_is_reported(store: TreeStore, signer: Signer) -> None:
    last = store.size
    Rows(store).run(("DELETE FROM {events} WHERE {id} = ?", (last,)))
    assert _first(_audit(store, signer)) == (FindingKind.DELETED_EVENT, last)


def test_a_deleted_row_with_the_later_ones_moved_up_is_reported(
    store: TreeStore, signer: Signer
) -> None:
    Rows(store).run(
        ("DELETE FROM {events} WHERE {id} = ?", (200,)),
        ("UPDATE {events} SET {id} = {id} + 1000000 WHERE {id} > ?", (200,)),
        ("UPDATE {events} SET {id} = {id} - 1000001 WHERE {id} > ?", (1000000,)),
    )
    assert _first(_audit(store, signer)) == (FindingKind.DELETED_EVENT, 200)


def _insert_copy_at(store: TreeStore, source: int, position: int, shift: bool) -> None:
    rows = Rows(store)
    statements = []
    if shift:
        statements = [
            ("UPDATE {events} SET {id} = {id} + 1000000 WHERE {id} >= ?", (position,)),
            ("UPDATE {events} SET {id} = {id} - 999999 WHERE {id} >= ?", (1000000,)),
        ]
    row = rows.one(
        "SELECT originator_id, originator_version, topic, state FROM {events} WHERE {id} = ?",
        (source,),
    )
    statements.append(
        (
            "INSERT INTO {events} (originator_id, originator_version, topic, state, {id})"
            " VALUES (?, ?, ?, ?, ?)",
            (
                row["originator_id"],
                row["originator_version"] + 500,
                row["topic"],
                bytes(row["state"]),
                position,
            ),
        )
    )
    rows.run(*statements)


def test_an_inserted_row_with_the_later_ones_moved_down_is_reported(
    store: TreeStore, signer: Signer
) -> None:
    _insert_copy_at(store, 10, 77, shift=True)
    assert _first(_audit(store, signer)) == (FindingKind.INSERTED_EVENT, 77)


def test_a_row_inserted_into_a_free_position_is_reported(store: TreeStore, signer: Signer) -> None:
    Rows(store).run(("DELETE FROM {events} WHERE {id} = ?", (50,)))
    # Free the position first, then put another event there: a deletion and an insertion.
    _insert_copy_at(store, 10, 50, shift=False)
    assert _first(_audit(store, signer)) == (FindingKind.CHANGED_EVENT, 50)
    rows = Rows(store)
    rows.run(("DELETE FROM {events} WHERE {id} = ?", (50,)))
    _insert_copy_at(store, 10, 0, shift=False)  # before the first event
    assert _first(_audit(store, signer)) == (FindingKind.INSERTED_EVENT, 0)


def test_reordered_rows_are_reported(store: TreeStore, signer: Signer) -> None:
    Rows(store).run(
        ("UPDATE {events} SET {id} = ? WHERE {id} = ?", (-5, 90)),
        ("UPDATE {events} SET {id} = ? WHERE {id} = ?", (90, 400)),
        ("UPDATE {events} SET {id} = ? WHERE {id} = ?", (400, -5)),
    )
    report = _audit(store, signer)
    assert _first(report) == (FindingKind.REORDERED_EVENTS, 90)
    assert "position 400" in report.findings[0].message


def test_a_changed_stored_leaf_is_a_changed_tree_node(store: TreeStore, signer: Signer) -> None:
    change_stored_leaf(store, 40, bytes(32))
    assert _first(_audit(store, signer)) == (FindingKind.CHANGED_TREE_NODE, 41)


def test_a_changed_stored_leaf_in_the_partial_tile_is_a_changed_tree_node(
    store: TreeStore, signer: Signer
) -> None:
    """Only the signed checkpoint covers it: the log still gives the signed root."""
    last = store.size - 1
    change_stored_leaf(store, last, bytes(32))
    assert _first(_audit(store, signer)) == (FindingKind.CHANGED_TREE_NODE, last + 1)


def test_a_changed_stored_node_is_reported(store: TreeStore, signer: Signer) -> None:
    Rows(store).run(("UPDATE {nodes} SET hash = ? WHERE level = 1 AND idx = 1", (bytes(32),)))
    assert _first(_audit(store, signer)) == (FindingKind.CHANGED_TREE_NODE, 257)


def test_a_checkpoint_signed_by_another_key_is_reported(
    store: TreeStore, signer: Signer, sample_ledger: Ledger
) -> None:
    sample_ledger.register_member(handle="later")
    intruder, _ = generate_key("studio.example/log")
    sign_checkpoint(store, intruder)
    report = _audit(store, signer)
    assert [f.kind for f in report.findings] == [FindingKind.OTHER_KEY]
    # Trusting the first checkpoint's key, when no key is given, finds it as well.
    assert [f.kind for f in audit(store).findings] == [FindingKind.OTHER_KEY]


def test_a_changed_checkpoint_note_does_not_verify(store: TreeStore, signer: Signer) -> None:
    checkpoint = store.checkpoints()[0]
    forged = checkpoint.note.replace(f"\n{checkpoint.size}\n", f"\n{checkpoint.size - 1}\n")
    Rows(store).run(
        (f"UPDATE {store.tables.checkpoints} SET note = ?", (forged,)),
    )
    assert [f.kind for f in _audit(store, signer).findings] == [FindingKind.BAD_SIGNATURE]
