"""Archive import and export: idempotent, resumable, strict, and byte-stable."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger import Ledger, open_ledger
from ledger.archive import export_archive, import_archive
from ledger.domain.errors import ArchiveError
from tests.conftest import SAMPLE

MEMBERS = [
    {
        "type": "member",
        "id": "m1",
        "handle": "wirrow",
        "name": "Wirrow",
        "joined_at": "2010-06-01T00:00:00Z",
    },
    {
        "type": "member",
        "id": "m2",
        "handle": "bee",
        "name": "Bee",
        "joined_at": "2010-06-02T00:00:00Z",
    },
    {
        "type": "member",
        "id": "m3",
        "handle": "curie",
        "name": "Curie",
        "joined_at": "2010-06-03T00:00:00Z",
    },
]
WORKS = [
    {
        "type": "work",
        "id": "w1",
        "authors": ["m1"],
        "title": "Tiny",
        "kind": "text",
        "created_at": "2011-01-01T00:00:00Z",
        "body": "Once.",
        "license": "CC-BY-4.0",
        "sources": [],
    },
    {
        "type": "work",
        "id": "w2",
        "authors": ["m2", "m1"],
        "title": "Pic",
        "kind": "image",
        "created_at": "2011-01-02T00:00:00+01:00",
        "sources": [{"id": "w1", "relation": "illustration", "royalty_percent": "10.50"}],
    },
]
ACTS = [
    {
        "type": "comment",
        "id": "c1",
        "work": "w2",
        "author": "m3",
        "text": "Lovely",
        "created_at": "2011-01-03T00:00:00Z",
    },
    {
        "type": "vote",
        "work": "w2",
        "member": "m3",
        "value": 1,
        "created_at": "2011-01-03T00:00:00Z",
    },
    {
        "type": "vote",
        "work": "w2",
        "member": "m3",
        "value": -1,
        "created_at": "2011-01-04T00:00:00Z",
    },
    {
        "type": "vote",
        "work": "w2",
        "member": "m3",
        "value": 1,
        "created_at": "2011-01-05T00:00:00Z",
    },
    {
        "type": "vote_withdrawal",
        "work": "w2",
        "member": "m3",
        "withdrawn_at": "2011-01-06T00:00:00Z",
    },
    {
        "type": "production",
        "id": "p1",
        "title": "The Tiny Book",
        "curator": "m3",
        "works": ["w1", "w2"],
        "created_at": "2011-11-01T00:00:00Z",
        "published_at": "2011-12-01T00:00:00Z",
    },
    {
        "type": "revenue",
        "production": "p1",
        "amount": "1234.56",
        "currency": "USD",
        "received_at": "2012-01-01T00:00:00Z",
    },
    {
        "type": "revenue",
        "production": "p1",
        "amount": "10.00",
        "currency": "USD",
        "received_at": "2012-02-01T00:00:00Z",
    },
    {
        "type": "credit_preference",
        "member": "m2",
        "credit": "pseudonym",
        "pseudonym": "B.",
        "set_at": "2012-03-01T00:00:00Z",
    },
    {
        "type": "work_retraction",
        "work": "w1",
        "retracted_at": "2012-04-01T00:00:00Z",
        "reason": "by request",
        "by": "m1",
    },
]
ARCHIVE = [*MEMBERS, *WORKS, *ACTS]


def write_archive(path: Path, lines: list[dict[str, object] | str]) -> Path:
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def export_text(ledger: Ledger) -> str:
    out = io.StringIO()
    export_archive(ledger, out)
    return out.getvalue()


def test_importing_the_same_file_twice_records_nothing_new(
    any_ledger: Ledger, tmp_path: Path
) -> None:
    archive = write_archive(tmp_path / "a.jsonl", ARCHIVE)
    first = import_archive(any_ledger, lines_of(archive), source="a.jsonl", batch_lines=4)
    assert first.applied == len(ARCHIVE) and not first.errors
    head = any_ledger.head
    second = import_archive(any_ledger, lines_of(archive), source="a.jsonl", batch_lines=4)
    assert second.applied == 0 and second.skipped == len(ARCHIVE)
    assert any_ledger.head == head


def test_an_interrupted_import_rerun_completes_without_duplicates(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "a.jsonl", ARCHIVE)
    clean = open_ledger("memory://")
    import_archive(clean, lines_of(archive), batch_lines=3)

    def cut_after(count: int) -> Iterator[str]:
        for number, line in enumerate(lines_of(archive), start=1):
            if number > count:
                raise KeyboardInterrupt  # the operator pressed Ctrl-C mid-batch
            yield line

    for cut in range(1, len(ARCHIVE)):
        interrupted = open_ledger(str(tmp_path / f"cut-{cut}.db"))
        with pytest.raises(KeyboardInterrupt):
            import_archive(interrupted, cut_after(cut), batch_lines=3)
        # Only whole batches were kept.
        assert interrupted.head <= clean.head
        import_archive(interrupted, lines_of(archive), batch_lines=3)
        assert export_text(interrupted) == export_text(clean)
        assert interrupted.head == clean.head
        interrupted.close()


def test_a_dry_run_reports_every_bad_line_and_records_nothing(
    any_ledger: Ledger, tmp_path: Path
) -> None:
    lines: list[dict[str, object] | str] = [
        *MEMBERS,
        '{"type": "work", "id": "w1", "authors": ["m1"], "title": "ok", "kind": "text"}',
        "{not json",
        {"type": "poem", "id": "x"},
        {"type": "vote", "work": "w1", "member": "m1", "value": 1},
        {"type": "work", "id": "w3", "authors": ["m9"], "title": "t", "kind": "text"},
        {"type": "vote", "work": "w1", "member": "m2", "value": 1, "colour": "red"},
        {
            "type": "work",
            "id": "w4",
            "authors": ["m1"],
            "title": "t",
            "kind": "text",
            "created_at": "yesterday",
        },
        {
            "type": "work",
            "id": "w5",
            "authors": ["m1"],
            "title": "t",
            "kind": "text",
            "sources": [{"id": "w6", "relation": "remix"}],
        },
        {"type": "work", "id": "w6", "authors": ["m1"], "title": "", "kind": "sculpture"},
    ]
    archive = write_archive(tmp_path / "bad.jsonl", lines)
    report = import_archive(any_ledger, lines_of(archive), source="bad.jsonl", dry_run=True)
    assert any_ledger.head == 0
    assert report.errors == [
        "bad.jsonl:5: not valid JSON"
        " (Expecting property name enclosed in double quotes at column 2)",
        "bad.jsonl:6: unknown type 'poem'; known: archive, citation, comment, comment_retraction,"
        " credit_preference, exclusion, inclusion, member, member_renamed, policy, production,"
        " publication, revenue, role, statement, vote, vote_withdrawal, waiver, work,"
        " work_retraction",
        "bad.jsonl:7: members do not vote on their own work 'ok'",
        "bad.jsonl:8: unknown member 'm9' (a line may only refer to records above it)",
        "bad.jsonl:9: unknown field(s) for a vote: colour",
        "bad.jsonl:10: 'created_at' 'yesterday' is not an RFC 3339 timestamp",
        "bad.jsonl:11: unknown work 'w6' (a line may only refer to records above it)",
        "bad.jsonl:12: kind 'sculpture' is not one of: text, image, audio, video, other",
    ]
    assert report.applied == 4  # the three members and the first work would be recorded


def test_a_lone_surrogate_is_a_bad_line_and_a_surrogate_pair_is_text(
    any_ledger: Ledger, tmp_path: Path
) -> None:
    # JSON can escape half of a surrogate pair alone; that is no Unicode text.
    lines: list[dict[str, object] | str] = [
        '{"type": "member", "id": "m1", "handle": "ana", "name": "Ana \\ud83d\\ude00"}',
        '{"type": "member", "id": "m\\ud800", "handle": "ben"}',
        '{"type": "work", "id": "w1", "authors": ["m1"], "title": "t\\uDC00", "kind": "text"}',
        '{"type": "work", "id": "w2", "authors": ["m1"], "title": "ok", "kind": "text",'
        ' "sources": [{"id": "w\\udbff", "relation": "remix"}]}',
    ]
    archive = write_archive(tmp_path / "odd.jsonl", lines)
    report = import_archive(any_ledger, lines_of(archive), source="odd.jsonl", dry_run=True)
    assert report.errors == [
        "odd.jsonl:2: 'id' holds a lone surrogate (\\ud800), which is not Unicode text",
        "odd.jsonl:3: 'title' holds a lone surrogate (\\udc00), which is not Unicode text",
        "odd.jsonl:4: 'sources[0].id' holds a lone surrogate (\\udbff), which is not Unicode text",
    ]
    with pytest.raises(ArchiveError, match=r"^odd\.jsonl:2: 'id' holds a lone surrogate"):
        import_archive(any_ledger, lines_of(archive), source="odd.jsonl")
    assert any_ledger.head == 0  # the batch with the bad line was not kept
    import_archive(any_ledger, lines_of(write_archive(tmp_path / "ok.jsonl", lines[:1])))
    assert any_ledger.member(any_ledger.find_member("m1")).name == "Ana \N{GRINNING FACE}"


def test_a_real_import_stops_at_a_bad_line_and_keeps_whole_batches_before_it(
    any_ledger: Ledger, tmp_path: Path
) -> None:
    lines: list[dict[str, object] | str] = [
        *MEMBERS,
        *WORKS,
        {"type": "vote", "work": "w1", "member": "m1", "value": 1},
    ]
    archive = write_archive(tmp_path / "stop.jsonl", lines)
    with pytest.raises(
        ArchiveError, match=r"^stop\.jsonl:6: members do not vote on their own work"
    ):
        import_archive(any_ledger, lines_of(archive), source="stop.jsonl", batch_lines=2)
    # Batches [1,2] and [3,4] were saved; [5,6] held the bad line and was dropped whole.
    assert any_ledger.find_member("m3")
    assert any_ledger.find_work("w1")
    with pytest.raises(Exception, match="w2"):
        any_ledger.find_work("w2")


def test_an_archive_from_a_newer_version_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    archive = write_archive(
        tmp_path / "new.jsonl",
        [{"type": "archive", "format": "remix-ledger-archive", "version": 3}, *MEMBERS],
    )
    with pytest.raises(ArchiveError, match=r"new\.jsonl:1: archive version 3 is newer"):
        import_archive(ledger, lines_of(archive), source="new.jsonl")


def test_export_import_export_is_byte_identical(
    backend: str, databases: object, tmp_path: Path
) -> None:
    from tests.conftest import Databases

    assert isinstance(databases, Databases)
    original = open_ledger(databases.url(backend))
    import_archive(original, lines_of(write_archive(tmp_path / "a.jsonl", ARCHIVE)))
    # Acts recorded by commands, not by an import, export the same way.
    original.rename_member(original.find_member("m1"), name="Wirrow W.")
    first = export_text(original)
    copy = open_ledger(databases.url(backend))
    import_archive(copy, io.StringIO(first))
    assert export_text(copy) == first
    assert copy.head == original.head
    original.close()
    copy.close()


def test_the_sample_archive_round_trips(tmp_path: Path) -> None:
    original = open_ledger(str(tmp_path / "sample.db"))
    report = import_archive(original, lines_of(SAMPLE), source=SAMPLE.name)
    assert not report.errors and report.skipped == 0
    first = export_text(original)
    copy = open_ledger("memory://")
    import_archive(copy, io.StringIO(first))
    assert export_text(copy) == first


def test_the_export_keeps_the_version_one_production_shape(ledger: Ledger, tmp_path: Path) -> None:
    import_archive(ledger, lines_of(write_archive(tmp_path / "a.jsonl", ARCHIVE)))
    lines = [json.loads(line) for line in export_text(ledger).splitlines()]
    assert lines[0] == {"type": "archive", "format": "remix-ledger-archive", "version": 2}
    production = next(line for line in lines if line["type"] == "production")
    assert production == {
        "type": "production",
        "id": "p1",
        "title": "The Tiny Book",
        "curator": "m3",
        "works": ["w1", "w2"],
        "created_at": "2011-11-01T00:00:00Z",
        "published_at": "2011-12-01T00:00:00Z",
    }
    # The role the import granted to the curator is exported as its own act.
    assert {
        "type": "role",
        "member": "m3",
        "role": "curator",
        "granted_at": "2011-11-01T00:00:00Z",
    } in lines
    work = next(line for line in lines if line.get("id") == "w2")
    assert work["created_at"] == "2011-01-01T23:00:00Z"
    assert work["sources"] == [{"id": "w1", "relation": "illustration", "royalty_percent": "10.50"}]
