"""The rebuild's shortcuts: rows changed in place, a bounded row cache, columns computed once,
the collector paused. Each ends with the same views as a plain projection in memory."""

from __future__ import annotations

import gc
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from bench.synthetic import generate
from ledger import Ledger, open_ledger
from ledger.archive import import_archive
from projections.memory_store import MemoryReadModels
from projections.opening import open_read_models, views_path
from projections.projector import Projector
from projections.rows import WorkRow
from projections.sql_tables import WorkColumns, values_for
from projections.staging import RowCache
from projections.store import ReadModelStore
from tests.conftest import Databases


def synthetic_ledger(url: str, events: int = 3_000) -> Ledger:
    ledger = open_ledger(url)
    import_archive(ledger, generate(events=events).lines, batch_lines=500)
    return ledger


def clean_views(ledger: Ledger) -> dict[str, list[Any]]:
    clean = MemoryReadModels()
    Projector(ledger, clean).catch_up()
    return clean.dump()


class FailingCommits:
    """A store whose ``commit`` fails on the chosen calls (after the rows were staged)."""

    def __init__(self, store: ReadModelStore, failing: set[int]) -> None:
        self.store = store
        self.failing = failing
        self.calls = 0

    def commit(self, changes: Any, tracking: Any) -> None:
        self.calls += 1
        if self.calls in self.failing:
            raise OSError("disk full")
        self.store.commit(changes, tracking)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_batch_that_fails_to_commit_leaves_nothing_half_applied_in_memory(
    backend: str, databases: Databases
) -> None:
    """Rows are changed in place; after a failed commit the projector reads them afresh."""
    url = databases.url(backend)
    ledger = synthetic_ledger(url)
    store = open_read_models(url)
    flaky = FailingCommits(store, failing={3, 4, 9})
    projector = Projector(ledger, flaky, batch_size=200)  # type: ignore[arg-type]
    failures = 0
    while projector.position < ledger.head:
        try:
            projector.catch_up()
        except OSError:
            failures += 1
    assert failures == 3
    assert store.dump() == clean_views(ledger)


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_row_cache_too_small_for_the_log_reads_rows_back_from_the_store(
    backend: str, databases: Databases
) -> None:
    url = databases.url(backend)
    ledger = synthetic_ledger(url)
    store = open_read_models(url)
    projector = Projector(ledger, store, batch_size=150)
    projector.cache = RowCache(maxsize=5)
    projector.catch_up()
    assert store.dump() == clean_views(ledger)


def test_a_rebuild_switches_the_collector_back_on_however_it_ends(databases: Databases) -> None:
    url = databases.url("sqlite")
    ledger = synthetic_ledger(url, events=500)
    store = open_read_models(url)
    assert gc.isenabled()
    Projector(ledger, store).rebuild()
    assert gc.isenabled()

    flaky = FailingCommits(store, failing={1})
    with pytest.raises(OSError):
        Projector(ledger, flaky).rebuild()  # type: ignore[arg-type]
    assert gc.isenabled()

    gc.disable()
    try:
        Projector(ledger, store).rebuild()
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
    assert store.dump() == clean_views(ledger)


def test_a_rebuild_leaves_no_reference_cycles_for_the_collector(databases: Databases) -> None:
    """The rows a rebuild held are freed as it ends, not by a full collection later
    (at 1M events such a collection paused the process for 1.5 s)."""
    url = databases.url("sqlite")
    ledger = synthetic_ledger(url)
    store = open_read_models(url)
    projector = Projector(ledger, store)
    gc.collect()
    gc.disable()
    try:
        projector.rebuild()
        assert projector.bulk_position == ledger.head
        assert gc.collect() < 100  # the 3 000 events' rows are far more
    finally:
        gc.enable()


def work(**changes: Any) -> WorkRow:
    row = WorkRow(
        work_id=uuid4(),
        title="Dawn",
        kind="audio",
        authors=(uuid4(), uuid4()),
        created_at=datetime(2021, 3, 1, 12, 30, tzinfo=UTC),
        position=7,
    )
    return replace(row, **changes)


def test_a_works_columns_computed_once_follow_its_counters() -> None:
    columns = WorkColumns()
    row = work()
    first = values_for("works", row.work_id, row, columns)
    assert first == values_for("works", row.work_id, row)  # without the memo
    row.up, row.down, row.comments = 5, 1, 2
    again = values_for("works", row.work_id, row, columns)
    assert again == values_for("works", row.work_id, row)
    assert again[3:7] == first[3:7]  # authors and the three creation times
    assert again[9:12] == (5, 1, 2)


def test_a_works_columns_are_recomputed_for_a_row_that_is_not_the_one_remembered() -> None:
    columns = WorkColumns()
    row = work()
    values_for("works", row.work_id, row, columns)
    # Same id, other objects (as when a row is read back from the store), other values.
    other = replace(row, authors=(uuid4(),), created_at=datetime(2022, 1, 1, tzinfo=UTC))
    assert values_for("works", other.work_id, other, columns) == values_for(
        "works", other.work_id, other
    )


def test_the_memo_of_work_columns_stays_bounded() -> None:
    columns = WorkColumns(maxsize=3)
    rows = [work() for _ in range(10)]
    for row in rows:
        assert values_for("works", row.work_id, row, columns) == values_for(
            "works", row.work_id, row
        )
    assert len(columns.columns) <= 3


# Every index a rebuild drops at its start and builds at its end.
DEFERRED = {"rl_history_subjects_key", "rl_edges_derived", "rl_works_created"}


def deferred_indexes(url: str) -> set[str]:
    views = sqlite3.connect(views_path(url))
    try:
        found = views.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    finally:
        views.close()
    return {name for (name,) in found} & DEFERRED


def deferred_indexes_exist(url: str) -> bool:
    indexes = deferred_indexes(url)
    assert indexes in (set(), DEFERRED), f"some deferred indexes only: {indexes}"
    return indexes == DEFERRED


def test_a_rebuild_drops_the_histories_index_and_builds_it_at_the_end(
    databases: Databases,
) -> None:
    url = databases.url("sqlite")
    ledger = synthetic_ledger(url)
    store = open_read_models(url)
    assert deferred_indexes_exist(url)
    projector = Projector(ledger, store)
    projector.rebuild_batch_size = 700

    seen: list[bool] = []
    projector.rebuild(on_progress=lambda position: seen.append(deferred_indexes_exist(url)))
    assert len(seen) > 2 and not any(seen)  # built once, after the last batch
    assert deferred_indexes_exist(url)
    assert store.dump() == clean_views(ledger)


def test_a_rebuild_that_stops_half_way_gets_its_index_back_when_the_store_is_opened(
    databases: Databases,
) -> None:
    url = databases.url("sqlite")
    ledger = synthetic_ledger(url)
    store = open_read_models(url)
    flaky = FailingCommits(store, failing={3})
    projector = Projector(ledger, flaky)  # type: ignore[arg-type]
    projector.rebuild_batch_size = 700
    with pytest.raises(OSError):
        projector.rebuild()
    assert not deferred_indexes_exist(url)
    # Without the index, histories are slower to read, not different.
    half_way = store.max_tracking_id("RemixLedger") or 0
    partial = MemoryReadModels()
    Projector(ledger, partial).catch_up(until=half_way)
    assert half_way > 0 and store.dump() == partial.dump()
    store.close()

    reopened = open_read_models(url)
    assert deferred_indexes_exist(url)
    Projector(ledger, reopened).catch_up()
    assert reopened.dump() == clean_views(ledger)


@pytest.mark.postgres
def test_a_rebuild_on_postgres_ends_with_its_histories_indexed(databases: Databases) -> None:
    url = databases.url("postgres")
    ledger = synthetic_ledger(url, events=1_500)
    store = open_read_models(url)
    projector = Projector(ledger, store)
    projector.rebuild_batch_size = 400
    projector.rebuild()
    assert store.dump() == clean_views(ledger)
    # The unique index is back: a second copy of a history row is refused.
    sql_store: Any = store
    prefix = sql_store.prefix
    with pytest.raises(IntegrityError), sql_store._transaction(commit=True) as cursor:
        cursor.execute(
            f"INSERT INTO {prefix}history_subjects (subject_id, position)"
            f" SELECT subject_id, position FROM {prefix}history_subjects LIMIT 1"
        )
    with sql_store._transaction(commit=False) as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s", (sql_store._schema,)
        )
        assert {row["indexname"] for row in cursor.fetchall()} >= DEFERRED
