"""Views maintained batch by batch as the log grows equal views rebuilt from position 0."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.application.history import history_of
from projections.memory_store import MemoryReadModels
from projections.projector import Projector
from tests.conftest import Databases
from tests.projections.stores import fresh_store, ledger_and_models
from tests.strategies import Made as MadeRecords
from tests.strategies import Step, programs, run_step


def run_incrementally(backend: str, program: list[Step], batch_sizes: list[int]) -> None:
    databases = Databases(_tmp())
    try:
        ledger, models = ledger_and_models(databases, backend)
        made = MadeRecords()
        for number, step in enumerate(program):
            try:
                run_step(ledger, made, step, number)
            except Exception as error:
                if not type(error).__module__.startswith("ledger"):
                    raise
            # Follow the log as it grows, in batches of varying sizes.
            models.projector.batch_size = batch_sizes[number % len(batch_sizes)]
            models.projector.catch_up()
        incremental = models.store.dump()

        rebuilt_store = fresh_store(databases, backend)
        rebuilder = Projector(ledger, rebuilt_store, batch_size=10_000)
        rebuilder.rebuild()
        assert rebuilt_store.dump() == incremental
        if backend != "memory":
            # The SQL stores rebuild on the bulk path (projections.bulk), a second
            # implementation of the model: it must have applied the whole log itself.
            assert rebuilder.bulk_position == ledger.head

        # The same rows whatever the store: compare with one built in memory.
        in_memory = MemoryReadModels()
        Projector(ledger, in_memory).catch_up()
        assert in_memory.dump() == incremental

        # The history view says what a direct scan of the log says, line for line.
        for subject in [*made.members[:3], *made.works[:3]]:
            from_view = [
                (
                    row.position,
                    row.occurred_at,
                    row.recorded_at,
                    row.type,
                    row.actor_id,
                    row.actor,
                    row.summary,
                    row.ids,
                )
                for row in models.history(subject, limit=10_000).entries
            ]
            from_log = [
                (
                    entry.position,
                    entry.occurred_at,
                    entry.recorded_at,
                    entry.type,
                    entry.actor_id,
                    entry.actor,
                    entry.summary,
                    entry.ids,
                )
                for entry in history_of(ledger, subject)
            ]
            assert from_view == from_log
        models.store.close()
        rebuilt_store.close()
        ledger.close()
    finally:
        databases.cleanup()


def _tmp():  # type: ignore[no-untyped-def]
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp(prefix="rl-views-"))


batch_sizes = st.lists(st.integers(1, 7), min_size=1, max_size=5)


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@given(program=programs, sizes=batch_sizes)
def test_incremental_views_equal_a_rebuild(
    backend: str, program: list[Step], sizes: list[int]
) -> None:
    run_incrementally(backend, program, sizes)


@pytest.mark.postgres
@given(program=programs, sizes=batch_sizes)
@settings(max_examples=10)
def test_incremental_views_equal_a_rebuild_on_postgres(
    program: list[Step], sizes: list[int]
) -> None:
    from tests.conftest import require_postgres

    require_postgres()
    run_incrementally("postgres", program, sizes)
