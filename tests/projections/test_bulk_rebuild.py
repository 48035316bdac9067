"""The bulk rebuild (projections.bulk): the same views as the ordinary path, batch by batch,
and a clean hand-over to the ordinary path where it stops."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger import open_ledger
from projections import bulk, bulk_rows
from projections.memory_store import MemoryReadModels
from projections.opening import open_read_models
from projections.projector import Projector
from tests.conftest import Databases
from tests.projections.test_rebuild_paths import clean_views, synthetic_ledger


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_rebuild_of_a_synthetic_log_takes_the_bulk_path_to_the_same_views(
    backend: str, databases: Databases
) -> None:
    if backend == "postgres":
        from tests.conftest import require_postgres

        require_postgres()
    url = databases.url(backend)
    ledger = synthetic_ledger(url)
    store = open_read_models(url)
    projector = Projector(ledger, store)
    projector.rebuild_batch_size = 700
    assert projector.rebuild() == ledger.head
    assert projector.bulk_position == ledger.head
    assert store.dump() == clean_views(ledger)


def test_a_bulk_batch_read_in_pages_commits_once_per_batch_with_the_same_views(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = databases.url("sqlite")
    ledger = synthetic_ledger(url)
    store = open_read_models(url)
    monkeypatch.setattr(bulk, "READ_PAGE", 150)
    commit_values = type(store).commit_values  # type: ignore[attr-defined]
    committed: list[int] = []

    def counted(self: Any, values: Any, tracking: Any) -> None:
        committed.append(tracking.notification_id)
        commit_values(self, values, tracking)

    monkeypatch.setattr(type(store), "commit_values", counted)
    projector = Projector(ledger, store, batch_size=100)
    projector.rebuild_batch_size = 700
    progress: list[int] = []
    assert projector.rebuild(on_progress=progress.append) == ledger.head
    assert projector.bulk_position == ledger.head
    # Pages of 150 up to each batch's 700th event; one commit per batch.
    assert progress[:6] == [150, 300, 450, 600, 700, 850]
    assert committed == [*range(700, ledger.head, 700), ledger.head]
    assert store.dump() == clean_views(ledger)


def test_where_the_bulk_path_stops_the_ordinary_path_goes_on_to_the_same_views(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = databases.url("sqlite")
    ledger = synthetic_ledger(url)
    store = open_read_models(url)
    voted = bulk.BulkRebuild._voted

    def voted_until_1000(self: Any, position: int, originator: str, state: Any) -> None:
        if position > 1_000:
            raise bulk_rows.Unsupported("a vote after 1000")
        voted(self, position, originator, state)

    monkeypatch.setattr(bulk.BulkRebuild, "_voted", voted_until_1000)
    projector = Projector(ledger, store, batch_size=100)
    projector.rebuild_batch_size = 400
    assert projector.rebuild() == ledger.head
    # It stopped at the end of the last batch it committed, before the first vote after 1000.
    assert projector.bulk_position is not None
    assert 800 <= projector.bulk_position <= 1_200 and projector.bulk_position % 400 == 0
    assert store.dump() == clean_views(ledger)


def test_a_bulk_batch_that_fails_to_commit_leaves_exactly_the_batches_before_it(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = databases.url("sqlite")
    ledger = synthetic_ledger(url)
    store = open_read_models(url)
    commit_values = type(store).commit_values  # type: ignore[attr-defined]
    calls = []

    def failing_third(self: Any, values: Any, tracking: Any) -> None:
        calls.append(tracking.notification_id)
        if len(calls) == 3:
            raise OSError("disk full")
        commit_values(self, values, tracking)

    monkeypatch.setattr(type(store), "commit_values", failing_third)
    projector = Projector(ledger, store, batch_size=100)
    projector.rebuild_batch_size = 500
    with pytest.raises(OSError):
        projector.rebuild()
    assert store.max_tracking_id("RemixLedger") == 1_000
    partial = MemoryReadModels()
    Projector(ledger, partial).catch_up(until=1_000)
    assert store.dump() == partial.dump()

    monkeypatch.undo()
    Projector(ledger, store).catch_up()
    assert store.dump() == clean_views(ledger)


def test_the_bulk_path_stops_when_another_projector_moves_the_store(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = databases.url("sqlite")
    ledger = synthetic_ledger(url)
    store = open_read_models(url)
    other = Projector(ledger, open_read_models(url), batch_size=50)
    apply = bulk.BulkRebuild._apply
    moved = []

    def apply_while_another_writes(self: Any, notification: Any) -> None:
        # During the second batch, another projector applies the next 50 events.
        if notification[0] == 700 and not moved:
            moved.append(other.catch_up(until=650))
        apply(self, notification)

    monkeypatch.setattr(bulk.BulkRebuild, "_apply", apply_while_another_writes)
    projector = Projector(ledger, store, batch_size=100)
    projector.rebuild_batch_size = 600
    assert projector.rebuild() == ledger.head
    assert moved == [650] and projector.bulk_position == 600
    assert store.dump() == clean_views(ledger)


@pytest.mark.parametrize(
    ("columns", "raw"),
    [
        (bulk.RAW_COLUMNS, True),
        # Another table layout: ids one off (the rows differ from the library's) ...
        ("rowid + 1, originator_id, originator_version, topic, state", False),
        # ... or a column that is not there (the query fails).
        ("rowid, originator_id, originator_version, topic, payload", False),
    ],
)
def test_the_raw_read_of_an_sqlite_log_is_used_only_where_it_agrees_with_the_library(
    columns: str, raw: bool, databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = databases.url("sqlite")
    ledger = synthetic_ledger(url)
    store = open_read_models(url)
    monkeypatch.setattr(bulk, "RAW_COLUMNS", columns)
    reader = bulk.BulkRebuild._reader
    used: list[bool] = []

    def spied(self: bulk.BulkRebuild) -> Any:
        read = reader(self)
        used.append(self.raw_reads)
        return read

    monkeypatch.setattr(bulk.BulkRebuild, "_reader", spied)
    projector = Projector(ledger, store)
    projector.rebuild_batch_size = 700
    assert projector.rebuild() == ledger.head
    assert used == [raw]
    assert projector.bulk_position == ledger.head  # the bulk path applied the whole log
    assert store.dump() == clean_views(ledger)


def test_the_fields_the_bulk_path_expects_of_votes_and_comments_are_those_stored(
    databases: Databases,
) -> None:
    # The bulk path picks a vote's and a comment's ids out of their stored state
    # directly when the state has exactly these fields (and scans it otherwise).
    ledger = open_ledger(databases.url("sqlite"))
    ana = ledger.register_member(handle="ana").id
    ben = ledger.register_member(handle="ben").id
    work = ledger.contribute(authors=[ana], title="A").id
    ledger.vote(member_id=ben, work_id=work, value=1)
    ledger.comment(work_id=work, author_id=ben, text="lovely")
    stored = {
        notification.topic.rsplit(".", 1)[-1]: tuple(json.loads(notification.state))
        for notification in ledger.recorder.select_notifications(start=1, limit=100)
    }
    assert stored["Voted"] == bulk_rows.VOTED_FIELDS
    assert stored["Commented"] == bulk_rows.COMMENTED_FIELDS
