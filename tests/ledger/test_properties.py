"""Properties over random command programs, on POPO and on SQLite."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import given

from ledger import Ledger, open_ledger
from ledger.application.unit_of_work import AggregateCache
from ledger.archive import export_archive, import_archive
from ledger.domain.work import Work
from tests.strategies import Made as MadeRecords
from tests.strategies import Step, programs, run_step


def export_text(ledger: Ledger) -> str:
    out = io.StringIO()
    export_archive(ledger, out)
    return out.getvalue()


def in_each_backend(program: list[Step], check: object) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for url in ("memory://", str(Path(folder) / "ledger.db")):
            ledger = open_ledger(url)
            try:
                check(ledger, program)  # type: ignore[operator]
            finally:
                ledger.close()


def reloaded_aggregates_equal_the_in_memory_ones(ledger: Ledger, program: list[Step]) -> None:
    # Each step runs in a batch that keeps its committed aggregates in memory,
    # and later steps act on those same objects: the import's code path.
    cache = AggregateCache()
    made = MadeRecords()
    from ledger.domain.errors import LedgerError

    for number, step in enumerate(program):
        try:
            with ledger.batch(cache):
                run_step(ledger, made, step, number)
        except LedgerError:
            continue
    ids: set[UUID] = {*made.members, *made.works, *made.productions, *(c for c, _ in made.comments)}
    checked = 0
    for aggregate_id in ids:
        in_memory = cache.get(aggregate_id)
        if in_memory is not None:
            assert ledger.repository.get(aggregate_id) == in_memory
            checked += 1
    assert checked == len([i for i in ids if cache.get(i) is not None])


def export_round_trip_is_identical(ledger: Ledger, program: list[Step]) -> None:
    from tests.strategies import run_program

    run_program(ledger, program)
    first = export_text(ledger)
    copy = open_ledger("memory://")
    report = import_archive(copy, io.StringIO(first), source="export")
    assert not report.errors
    assert export_text(copy) == first
    assert copy.head == ledger.head


def lineage_is_acyclic(ledger: Ledger, program: list[Step]) -> None:
    from tests.strategies import run_program

    made = run_program(ledger, program)
    sources = {work: ledger.work(work).source_ids for work in made.works}
    state: dict[UUID, int] = {}

    def visit(work: UUID) -> None:
        state[work] = 1
        for source in sources[work]:
            assert state.get(source) != 1, "the lineage has a cycle"
            if source not in state:
                visit(source)
        state[work] = 2

    for work in sources:
        if work not in state:
            visit(work)


@given(programs)
def test_every_aggregate_reloaded_from_the_store_equals_the_in_memory_one(
    program: list[Step],
) -> None:
    in_each_backend(program, reloaded_aggregates_equal_the_in_memory_ones)


@given(programs)
def test_export_then_import_then_export_is_identical(program: list[Step]) -> None:
    in_each_backend(program, export_round_trip_is_identical)


@given(programs)
def test_the_lineage_stays_acyclic_under_any_commands(program: list[Step]) -> None:
    ledger = open_ledger("memory://")
    lineage_is_acyclic(ledger, program)


def test_a_cycle_attempt_is_among_the_generated_programs() -> None:
    """The strategy really exercises the cycle rule (it is not vacuously acyclic)."""
    from ledger.domain.errors import CycleError

    ledger = open_ledger("memory://")
    made = MadeRecords()
    run_step(ledger, made, ("member", 0, 0, 0, False), 0)
    run_step(ledger, made, ("contribute", 0, 0, 0, False), 1)
    run_step(ledger, made, ("remix", 0, 0, 0, False), 2)
    with pytest.raises(CycleError):
        run_step(ledger, made, ("cite", 0, 0, 1, False), 3)
    assert isinstance(ledger.work(made.works[0]), Work)
