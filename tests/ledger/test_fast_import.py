"""The import's fast path records exactly what the commands record, or hands over."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from bench.synthetic import EVENTS_PER_LINE, generate
from ledger import Ledger, open_ledger
from ledger.archive import ImportReport, import_archive
from ledger.archive.stored_states import agrees_with
from ledger.domain.errors import ArchiveError
from tests.conftest import Databases
from tests.strategies import archive_lines, archive_steps

Outcome = ImportReport | str
_NOW_FROM = "2026"  # archive times are years earlier; a later one is "now"
_TIMESTAMP = re.compile(r'"timestamp":\{"_type_":"datetime_iso","_data_":"[^"]*"\},?')


def import_both_ways(
    lines: list[str],
    batch_lines: int,
    cut: int,
    fast: bool,
    url: str = "memory://",
    *,
    strict: bool = False,
) -> tuple[Ledger, list[Outcome], list[tuple[int, int]]]:
    """An interrupted import, the re-run, and a re-import, into one fresh ledger."""
    ledger = open_ledger(url)
    outcomes: list[Outcome] = []
    progress: list[tuple[int, int]] = []
    for attempt in (lines[:cut], lines, lines):
        try:
            report = import_archive(
                ledger,
                attempt,
                batch_lines=batch_lines,
                fast_path=fast,
                strict=strict,
                on_progress=lambda number, size: progress.append((number, size)),
            )
        except ArchiveError as error:
            outcomes.append(str(error))
        else:
            outcomes.append(report)
    return ledger, outcomes, progress


def _without_now(value: Any) -> Any:
    """A decoded state without its recording time, and "now" where a line gave no time."""
    if isinstance(value, dict):
        if value.get("_type_") == "datetime_iso" and value["_data_"] >= _NOW_FROM:
            return "now"
        return {key: _without_now(item) for key, item in value.items() if key != "timestamp"}
    if isinstance(value, list):
        return [_without_now(item) for item in value]
    return value


def stored(ledger: Ledger) -> list[tuple[Any, ...]]:
    """Every stored event: position, topic, id, version, and state minus its timestamp.

    The state is compared as bytes too, with the timestamp's text cut out.
    """
    rows = []
    for notification in ledger.recorder.select_notifications(start=1, limit=1_000_000):
        state = notification.state.decode()
        recorded = _TIMESTAMP.sub("", state)
        rows.append(
            (
                notification.id,
                notification.topic,
                notification.originator_id,
                notification.originator_version,
                _without_now(json.loads(state)),
                recorded if _NOW_FROM not in recorded else None,
            )
        )
    return rows


def aggregates(ledger: Ledger) -> dict[Any, tuple[type, dict[str, Any]]]:
    """Every aggregate reloaded, as its class and state (recording times left out)."""
    ids = {row[2] for row in stored(ledger)}
    loaded = {}
    for aggregate_id in ids:
        aggregate = ledger.repository.get(aggregate_id)
        state = {
            key: value
            for key, value in vars(aggregate).items()
            if key not in ("_created_on", "_modified_on", "_pending_events")
        }
        for key, value in state.items():
            if hasattr(value, "year") and value.year >= int(_NOW_FROM):
                state[key] = "now"
        loaded[aggregate_id] = (type(aggregate), state)
    return loaded


@given(
    steps=archive_steps,
    batch_lines=st.integers(1, 7),
    cut=st.integers(0, 45),
    strict=st.booleans(),
)
@example(
    steps=[("member", 0, 0, 0, 0)] * 3 + [("work", 1, 1, 1, 0)], batch_lines=2, cut=45, strict=False
)
@example(
    steps=[("member", 0, 0, 0, 0), ("work", 0, 1, 0, 0), ("work", 5, 1, 0, 0)],
    batch_lines=3,
    cut=45,
    strict=False,
)
def test_the_fast_path_records_what_the_commands_record(
    steps: list[tuple[str, int, int, int, int]], batch_lines: int, cut: int, strict: bool
) -> None:
    """Same events, reports (the acts dated before a source included), errors, progress and
    aggregates, strict or not; only the recording time differs."""
    lines = archive_lines(steps)
    fast, fast_outcomes, fast_progress = import_both_ways(
        lines, batch_lines, cut, fast=True, strict=strict
    )
    slow, slow_outcomes, slow_progress = import_both_ways(
        lines, batch_lines, cut, fast=False, strict=strict
    )

    assert fast_outcomes == slow_outcomes
    assert fast_progress == slow_progress
    assert stored(fast) == stored(slow)
    assert aggregates(fast) == aggregates(slow)
    for outcome in slow_outcomes:
        if isinstance(outcome, ImportReport):
            assert outcome.fast_lines == 0
    first = fast_outcomes[0]
    event("an error" if any(isinstance(o, str) for o in fast_outcomes) else "no error")
    if isinstance(first, ImportReport):
        event(f"{'some' if first.out_of_order else 'no'} act out of order")
    if isinstance(first, ImportReport):
        event(f"fast path took {'no' if not first.fast_lines else 'some'} lines")
        event(f"fast path took {'all' if first.fast_lines == first.lines else 'not all'} lines")
    if isinstance(first, ImportReport) and first.batches:
        # The interrupted import began on an empty ledger: unless its first batch
        # handed over, the fast path imported it.
        handed_over = _first_batch_hands_over(lines[:cut], batch_lines)
        assert (first.fast_lines >= min(batch_lines, len(lines[:cut]))) != handed_over


def _first_batch_hands_over(lines: list[str], batch_lines: int) -> bool:
    """Whether a line of the first batch needs the commands (as the fast path decides)."""
    kinds = [json.loads(text)["type"] for text in lines[:batch_lines]]
    votes = [
        (json.loads(text)["member"], json.loads(text)["work"])
        for text in lines[:batch_lines]
        if json.loads(text)["type"] == "vote"
    ]
    other = any(kind not in ("archive", "member", "work", "comment", "vote") for kind in kinds)
    # A repeated pair that is not a plain repeat changes a vote; the references
    # may name the same record two ways, so resolve them as the ledger would.
    return other or (len(votes) != len(set(votes)) and _changes_a_vote(lines[:batch_lines]))


def _changes_a_vote(lines: list[str]) -> bool:
    from ledger.domain.identity import member_id_for, work_id_for

    def key(reference: str, derive: Any) -> str:
        return reference.replace("-", "") if len(reference) >= 32 else derive(reference).hex

    seen: dict[tuple[str, str], int] = {}
    for text in lines:
        line = json.loads(text)
        if line["type"] != "vote":
            continue
        pair = (key(line["member"], member_id_for), key(line["work"], work_id_for))
        if pair in seen and seen[pair] != line["value"]:
            return True
        seen.setdefault(pair, line["value"])
    return False


def test_the_benchmark_archive_goes_through_the_fast_path_entirely(tmp_path: Path) -> None:
    archive = generate(3_000, seed=7)
    url = str(tmp_path / "ledger.db")
    ledger = open_ledger(url)
    report = import_archive(ledger, archive.lines, batch_lines=500)
    assert report.fast_lines == len(archive.lines)
    assert report.events == archive.events == ledger.head


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_fast_path_writes_what_the_commands_write_on_sql_stores(
    backend: str, databases: Databases
) -> None:
    lines = generate(1_500, seed=3).lines
    lines.insert(
        400,
        json.dumps(
            {
                "type": "member_renamed",
                "member": "m3",
                "name": "X",
                "renamed_at": "2022-01-01T00:00:00Z",
            }
        ),
    )
    fast, fast_outcomes, _ = import_both_ways(
        lines, 250, 700, fast=True, url=databases.url(backend)
    )
    slow, slow_outcomes, _ = import_both_ways(
        lines, 250, 700, fast=False, url=databases.url(backend)
    )
    assert fast_outcomes == slow_outcomes
    first = fast_outcomes[0]
    assert isinstance(first, ImportReport)
    assert first.fast_lines == 250  # the second batch holds the rename: handed over
    assert stored(fast) == stored(slow)
    fast.close()
    slow.close()


def test_a_transcoder_that_writes_otherwise_turns_the_fast_path_off() -> None:
    from uuid import UUID

    from eventsourcing.persistence import Transcoding

    class UUIDAsText(Transcoding):
        type = UUID
        name = "uuid_str"

        def encode(self, obj: UUID) -> str:
            return str(obj)

        def decode(self, data: str) -> UUID:
            return UUID(data)

    ledger = open_ledger("memory://")
    assert agrees_with(ledger.mapper.transcoder)
    ledger.mapper.transcoder.register(UUIDAsText())
    assert not agrees_with(ledger.mapper.transcoder)
    archive = generate(200, seed=1)
    report = import_archive(ledger, archive.lines)
    assert report.fast_lines == 0
    assert report.events == archive.events


@pytest.mark.parametrize("fast", [True, False])
def test_an_import_that_meets_another_writer_goes_on_through_the_commands(
    fast: bool, tmp_path: Path
) -> None:
    """Once someone else writes, the fast path no longer knows every record: it stops."""
    url = str(tmp_path / "ledger.db")
    ledger, other = open_ledger(url), open_ledger(url)
    archive = generate(600, seed=5)
    later_member = next(
        json.loads(text) for text in archive.lines[250:] if json.loads(text)["type"] == "member"
    )

    def meanwhile(number: int, _: int) -> None:
        if number == 150:  # in the second batch: register a member the archive names later
            other.register_member(handle=later_member["handle"], external_id=later_member["id"])

    report = import_archive(
        ledger, archive.lines, batch_lines=100, on_progress=meanwhile, fast_path=fast
    )
    # The other writer registered one member (its events: EVENTS_PER_LINE["member"]).
    assert report.events == archive.events - EVENTS_PER_LINE["member"]
    assert report.skipped == 1
    assert ledger.head == archive.events
    assert report.fast_lines == (200 if fast else 0)
    other.close()
    ledger.close()


@pytest.mark.parametrize("fast", [True, False])
def test_a_record_another_writer_made_fails_the_batch_and_the_rerun_completes(
    fast: bool, tmp_path: Path
) -> None:
    """The store's uniqueness refuses the duplicate; the re-run skips what exists."""
    url = str(tmp_path / "ledger.db")
    ledger, other = open_ledger(url), open_ledger(url)
    archive = generate(600, seed=5)
    member = next(
        json.loads(text) for text in archive.lines[150:200] if json.loads(text)["type"] == "member"
    )

    def meanwhile(line: int, _: int) -> None:
        if line == 101:  # the second batch has begun: the member it holds appears
            other.register_member(handle=member["handle"], external_id=member["id"])

    with pytest.raises(ArchiveError, match=r"^a\.jsonl:101-200: the batch could not be saved"):
        import_archive(
            ledger,
            archive.lines,
            source="a.jsonl",
            batch_lines=100,
            on_progress=meanwhile,
            fast_path=fast,
        )
    assert ledger.head == EVENTS_PER_LINE["member"] + sum(archive.events_per_batch(100)[:1])
    report = import_archive(ledger, archive.lines, batch_lines=100, fast_path=fast)
    assert report.skipped == 99 + 1  # the first batch's lines after the header, the member
    assert ledger.head == archive.events
    assert report.fast_lines == 0  # a re-run finds a ledger that is not empty
    other.close()
    ledger.close()


def test_a_versioned_event_class_turns_the_fast_path_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fast path writes version 1 states; version 2 of Work.Remixed goes through the mapper."""
    from ledger.domain.work import Work

    monkeypatch.setattr(Work.Remixed, "class_version", 2, raising=False)
    monkeypatch.setattr(
        Work.Remixed, "upcast_v1_v2", staticmethod(lambda state: None), raising=False
    )
    archive = generate(200, seed=1)
    ledger = open_ledger("memory://")
    report = import_archive(ledger, archive.lines)
    assert report.fast_lines == 0
    assert report.events == archive.events == ledger.head
    remixes = [
        n
        for n in ledger.recorder.select_notifications(1, ledger.head)
        if n.topic.endswith("Remixed")
    ]
    assert remixes
    for notification in remixes:
        assert b'"class_version":2' in notification.state
        work = ledger.repository.get(notification.originator_id)
        assert isinstance(work, Work)
        assert work.sources
