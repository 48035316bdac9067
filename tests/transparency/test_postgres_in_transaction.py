"""A PostgreSQL ledger writes each event's leaf in the event's own transaction, by
default: across gaps in the positions, handing over to the follower when the tree is
behind, and serialised with followers writing leaves from other processes."""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

import psycopg
import pytest

from ledger import Ledger, open_ledger
from ledger.adapters.settings import resolve_db_setting
from ledger.application.ledger import postgres_setup_lock
from ledger.archive.importer import import_archive
from ledger.transparency.audit import audit
from ledger.transparency.entries import entry_leaf_hash
from ledger.transparency.merkle import root_hash
from ledger.transparency.postgres_recorder import TreeKeepingPostgresRecorder
from ledger.transparency.store import TreeStore
from ledger.transparency.tables import leaf_runs
from tests.conftest import POSTGRES_BASE, SAMPLE, Databases
from tests.transparency.conftest import independent_leaves

pytestmark = pytest.mark.postgres


def _plain(url: str) -> Ledger:
    """The ledger with the library's own recorder (a process from before this one)."""
    env = dict(resolve_db_setting(url).env)
    env.pop("APPLICATION_RECORDER_TOPIC", None)
    with postgres_setup_lock(env):  # makes the schema, as open_ledger does
        return Ledger(env=env)


def _roll_back_an_insert(ledger: Ledger) -> None:
    """Take a position for an event that is never committed: a gap in the log."""
    events = TreeStore(ledger).tables.events
    with psycopg.connect(POSTGRES_BASE) as connection:
        connection.execute(
            f"INSERT INTO {events} (originator_id, originator_version, topic, state)"
            " VALUES (gen_random_uuid(), 1, 'rolled.back:Event', '')"
        )
        connection.rollback()


def _assert_tree_is_the_log(ledger: Ledger) -> None:
    store = TreeStore(ledger)
    positions, leaves = independent_leaves(ledger)
    assert store.head() == (len(positions), positions[-1])
    assert [store.position_of(i) for i in range(len(positions))] == positions
    assert store.root() == root_hash(leaves, len(positions))
    assert audit(store).ok


def test_commands_and_the_import_keep_the_tree_across_gaps(databases: Databases) -> None:
    ledger = open_ledger(databases.url("postgres"))
    try:
        assert isinstance(ledger.recorder, TreeKeepingPostgresRecorder)
        _roll_back_an_insert(ledger)  # before the first event: the empty tree is current
        import_archive(ledger, SAMPLE.read_text().splitlines(), source=SAMPLE.name)
        _roll_back_an_insert(ledger)
        _roll_back_an_insert(ledger)
        ledger.register_member(handle="after-gap")
        positions, _ = independent_leaves(ledger)
        assert positions[0] > 1 and positions[-1] - positions[0] > len(positions) - 1
        _assert_tree_is_the_log(ledger)  # no catch-up has run
    finally:
        ledger.close()


def test_a_tree_behind_the_log_is_caught_up_then_kept(databases: Databases) -> None:
    url = databases.url("postgres")
    plain = _plain(url)
    import_archive(plain, SAMPLE.read_text().splitlines(), source=SAMPLE.name)
    plain.close()
    ledger = open_ledger(url)
    try:
        store = TreeStore(ledger)
        ledger.register_member(handle="early")
        assert store.size == 0  # behind: nothing written in the transaction
        store.catch_up()
        _roll_back_an_insert(ledger)
        ledger.register_member(handle="late")
        _assert_tree_is_the_log(ledger)
    finally:
        ledger.close()


def test_a_write_waits_for_a_follower_writing_leaves_then_extends_them(
    databases: Databases,
) -> None:
    """The follower's leaves are committed while the write waits on the tree's lock:
    the write reads the head after them, finds the tree current and extends it."""
    url = databases.url("postgres")
    ledger, plain = open_ledger(url), _plain(url)
    try:
        ledger.register_member(handle="first")
        plain.register_member(handle="second")  # the tree is behind by this one
        store = TreeStore(ledger)
        tables = store.tables
        size, last = store.head()
        with tables.transaction(commit=False) as cursor:
            events = tables.read_events(cursor, last, 100)
        runs = leaf_runs(size, [e[0] for e in events], [entry_leaf_hash(*e) for e in events])
        failures: list[BaseException] = []

        def write() -> None:
            try:
                ledger.register_member(handle="third")
            except BaseException as error:  # reported below
                failures.append(error)

        with psycopg.connect(POSTGRES_BASE) as follower:
            follower.cursor().executemany(tables.sql(_insert_leaves(tables.leaves)), runs)
            writer = threading.Thread(target=write)
            writer.start()
            writer.join(1.0)
            assert writer.is_alive()  # it waits for the follower's commit
            follower.commit()
        writer.join()
        assert not failures
        _assert_tree_is_the_log(ledger)
    finally:
        plain.close()
        ledger.close()


def _insert_leaves(table: str) -> str:
    return f"INSERT INTO {table} (leaf_index, position, hash) VALUES (?, ?, ?)"


def _write(url: str, name: str, count: int, keep_tree: bool, gaps: bool) -> None:
    ledger = open_ledger(url) if keep_tree else _plain(url)
    try:
        for number in range(count):
            ledger.register_member(handle=f"{name}-{number}")
            if gaps and number % 7 == 0:
                _roll_back_an_insert(ledger)
    finally:
        ledger.close()


def _follow(url: str, stop: Any) -> None:
    ledger = open_ledger(url)
    try:
        store = TreeStore(ledger)
        while not stop.is_set():
            store.catch_up(batch=5)
        store.catch_up()
    finally:
        ledger.close()


@pytest.mark.slow
def test_writers_and_a_follower_at_once_make_each_event_one_leaf(databases: Databases) -> None:
    """Two processes writing with the tree, one without it (so the tree falls behind
    and the follower has work), and a follower catching up: no write fails, and the
    tree is the log, each event one leaf."""
    url = databases.url("postgres")
    open_ledger(url).close()  # the tables, before the processes race to make them
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    follower = context.Process(target=_follow, args=(url, stop))
    writers = [
        context.Process(target=_write, args=(url, "alpha", 60, True, True)),
        context.Process(target=_write, args=(url, "beta", 60, True, False)),
        context.Process(target=_write, args=(url, "old", 15, False, False)),
    ]
    follower.start()
    for process in writers:
        process.start()
    for process in writers:
        process.join(120)
    stop.set()
    follower.join(120)
    assert [process.exitcode for process in [*writers, follower]] == [0, 0, 0, 0]
    ledger = open_ledger(url)
    try:
        TreeStore(ledger).catch_up()
        _assert_tree_is_the_log(ledger)
        assert len(independent_leaves(ledger)[0]) == 2 * (60 + 60 + 15)  # two events a registration
    finally:
        ledger.close()
