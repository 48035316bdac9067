"""An SQLite ledger opened with the tree-keeping recorder writes each event's leaf in the
event's own transaction: the tree is current with no follower, equals the follower's
tree, and hands over to the follower when it was behind."""

from __future__ import annotations

from pathlib import Path

from ledger import Ledger, open_ledger
from ledger.adapters.settings import resolve_db_setting
from ledger.archive.importer import import_archive
from ledger.transparency.audit import audit
from ledger.transparency.merkle import root_hash
from ledger.transparency.recorders import TOPIC
from ledger.transparency.store import TreeStore
from tests.conftest import SAMPLE
from tests.transparency.conftest import independent_leaves


def _open(path: Path, keep_tree: bool) -> Ledger:
    env = dict(resolve_db_setting(str(path)).env)
    if keep_tree:
        env["APPLICATION_RECORDER_TOPIC"] = TOPIC
    else:  # the library's own recorder: the tree is left to the follower
        env.pop("APPLICATION_RECORDER_TOPIC", None)
    return Ledger(env=env)


def test_an_sqlite_ledger_keeps_its_tree_as_it_records_by_default(tmp_path: Path) -> None:
    ledger = open_ledger(str(tmp_path / "default.db"))
    try:
        ledger.register_member(handle="first")
        ledger.register_member(handle="second")
        size, last = TreeStore(ledger).head()  # no follower has run
        assert (size, last) == (ledger.head, ledger.head)
    finally:
        ledger.close()


def test_the_import_and_the_commands_keep_the_tree_as_they_record(tmp_path: Path) -> None:
    ledger = _open(tmp_path / "kept.db", keep_tree=True)
    try:
        import_archive(ledger, SAMPLE.read_text().splitlines(), source=SAMPLE.name)
        ledger.register_member(handle="newcomer")
        store = TreeStore(ledger)
        size, last = store.head()
        positions, leaves = independent_leaves(ledger)
        assert (size, last) == (len(positions), positions[-1])  # before any catch-up
        assert store.root() == root_hash(leaves, size)
        assert audit(store).ok
    finally:
        ledger.close()


def test_a_tree_behind_the_log_is_caught_up_then_kept(tmp_path: Path) -> None:
    path = tmp_path / "behind.db"
    plain = _open(path, keep_tree=False)
    import_archive(plain, SAMPLE.read_text().splitlines(), source=SAMPLE.name)
    plain.close()
    ledger = _open(path, keep_tree=True)
    try:
        store = TreeStore(ledger)
        ledger.register_member(handle="early")
        assert store.size == 0  # behind: nothing written in the transaction
        store.catch_up()
        ledger.register_member(handle="late")
        positions, leaves = independent_leaves(ledger)
        assert store.head() == (len(positions), positions[-1])
        assert store.root() == root_hash(leaves, len(positions))
    finally:
        ledger.close()
