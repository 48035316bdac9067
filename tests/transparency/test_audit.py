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


def test_two_adjacent_rows_swapped_are_reported_as_reordered(
    store: TreeStore, signer: Signer
) -> None:
    """Issue 21 item 8: a swap of neighbours was reported as an inserted event."""
    Rows(store).run(
        ("UPDATE {events} SET {id} = ? WHERE {id} = ?", (-5, 120)),
        ("UPDATE {events} SET {id} = ? WHERE {id} = ?", (120, 121)),
        ("UPDATE {events} SET {id} = ? WHERE {id} = ?", (121, -5)),
    )
    report = _audit(store, signer)
    assert _first(report) == (FindingKind.REORDERED_EVENTS, 120)
    assert "position 121" in report.findings[0].message and "swapped" in report.first.message


@pytest.mark.parametrize(
    "new_state",
    [
        "replace(state, X'22', X'27')",  # SQLite's replace() answers TEXT
        "42",
        "4.5",
        "NULL",
    ],
)
def test_a_state_edited_to_any_sql_type_is_a_changed_event_not_a_crash(
    store: TreeStore, signer: Signer, sql_backend: str, new_state: str
) -> None:
    if sql_backend == "postgres" and new_state != "NULL":
        pytest.skip("PostgreSQL's bytea column holds bytes only")
    if sql_backend == "postgres":
        Rows(store).run(("ALTER TABLE {events} ALTER COLUMN state DROP NOT NULL", ()))
    Rows(store).run((f"UPDATE {{events}} SET state = {new_state} WHERE {{id}} = ?", (150,)))
    if sql_backend == "sqlite":
        kind = Rows(store).one("SELECT typeof(state) FROM {events} WHERE {id} = ?", (150,))
        assert kind[0] != "blob"
    assert _first(_audit(store, signer)) == (FindingKind.CHANGED_EVENT, 150)


def test_a_state_stored_as_text_with_the_same_bytes_reads_as_those_bytes(
    store: TreeStore, signer: Signer, sql_backend: str
) -> None:
    if sql_backend == "postgres":
        pytest.skip("PostgreSQL's bytea column holds bytes only")
    Rows(store).run(("UPDATE {events} SET state = CAST(state AS TEXT) WHERE {id} = ?", (150,)))
    assert _audit(store, signer).ok


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("originator_version", "'v1'"),
        ("originator_version", "-1"),
        ("originator_version", "2.5"),
        ("originator_version", "NULL"),
        ("topic", "X'FFFE'"),
        ("topic", "CAST(X'FF' AS TEXT)"),
        ("topic", "7"),
        ("originator_id", "X'00'"),
    ],
)
def test_any_other_column_edited_to_any_sql_type_is_reported_not_a_crash(
    store: TreeStore, signer: Signer, sql_backend: str, column: str, value: str
) -> None:
    if sql_backend == "postgres":
        pytest.skip("PostgreSQL's typed columns refuse these values")
    Rows(store).run((f"UPDATE {{events}} SET {column} = {value} WHERE {{id}} = ?", (150,)))
    assert _first(_audit(store, signer)) == (FindingKind.CHANGED_EVENT, 150)
