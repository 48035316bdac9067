"""A query never creates a ledger; a failed import into a new one leaves no file behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Databases
from tests.service.test_cli import Cli

# Every command that only reads the ledger, with the arguments it needs.
QUERIES = [
    ("credits", "w1"),
    ("royalties", "p1"),
    ("tree", "w1", "-o", "-"),
    ("provenance", "w1", "-o", "-"),
    ("rankings",),
    ("leaderboard",),
    ("history", "--work", "w1"),
    ("works", "list"),
    ("members", "list"),
    ("productions", "list"),
    ("census",),
    ("export",),
    ("verify",),
    ("log", "status"),
    ("log", "checkpoints"),
    ("log", "prove", "--position", "1"),
    ("log", "rebuild"),
    ("projections", "status"),
    ("token", "list"),
]


@pytest.mark.parametrize("query", QUERIES, ids=" ".join)
def test_a_query_of_a_path_with_no_ledger_says_so_and_creates_no_file(
    query: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "here"
    folder.mkdir()
    cli = Cli(str(folder / "new.db"), capsys)
    cli(*query, expect=2)
    assert cli.err == (
        f"remix-ledger: error: no ledger at {str(folder / 'new.db')!r}; a query never creates"
        " one: `remix-ledger demo`, `import` or a recording command makes one\n"
    )
    assert list(folder.iterdir()) == []


def test_a_query_of_an_empty_postgres_schema_says_so_and_creates_no_table(
    databases: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    import psycopg

    from tests.conftest import POSTGRES_BASE

    url = databases.url("postgres")
    schema = url.rsplit("schema=", 1)[1]
    cli = Cli(url, capsys)
    for query in (("census",), ("works", "list"), ("credits", "w1")):
        cli(*query, expect=2)
        assert "no ledger at" in cli.err and "(no events table)" in cli.err
        assert cli.err.count("\n") == 1
    with psycopg.connect(POSTGRES_BASE) as connection:
        found = connection.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s", (schema,)
        ).fetchone()
    assert found == (0,)
    cli("member", "add", "ana")
    assert "members      1" in cli("census")


def test_a_recording_command_still_creates_the_ledger_a_query_then_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(str(tmp_path / "new.db"), capsys)
    cli("member", "add", "ana", "--external-id", "ana")
    assert (tmp_path / "new.db").is_file()
    assert "ana" in cli("members", "list")


def _archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The lines of a small exported ledger (made in a folder of its own)."""
    source = tmp_path / "source"
    source.mkdir()
    cli = Cli(str(source / "source.db"), capsys)
    cli("member", "add", "ana", "--external-id", "ana")
    cli("member", "add", "bee", "--external-id", "bee")
    cli("contribute", "--title", "One", "--author", "ana", "--external-id", "w1")
    return cli("export").splitlines(keepends=True)


@pytest.mark.parametrize("bad_line", [1, 3])
def test_a_failed_import_into_a_new_ledger_that_recorded_nothing_leaves_no_file(
    bad_line: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _archive(tmp_path, capsys)
    lines[bad_line - 1] = "{not json\n"
    folder = tmp_path / "here"
    folder.mkdir()
    archive = folder / "bad.jsonl"
    archive.write_text("".join(lines), encoding="utf-8")
    cli = Cli(str(folder / "new.db"), capsys)
    cli("import", str(archive), expect=2)
    assert f"bad.jsonl:{bad_line}:" in cli.err
    assert sorted(file.name for file in folder.iterdir()) == ["bad.jsonl"]
    cli("import", str(archive), "--dry-run", expect=2)
    assert sorted(file.name for file in folder.iterdir()) == ["bad.jsonl"]
    cli("import", str(folder / "missing.jsonl"), expect=2)
    assert sorted(file.name for file in folder.iterdir()) == ["bad.jsonl"]


def test_a_failed_import_keeps_the_batches_it_recorded_and_any_ledger_there_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _archive(tmp_path, capsys)
    folder = tmp_path / "here"
    folder.mkdir()
    archive = folder / "bad.jsonl"
    archive.write_text("".join([*lines[:3], "{not json\n"]), encoding="utf-8")
    cli = Cli(str(folder / "new.db"), capsys)
    cli("import", str(archive), "--batch-lines", "1", expect=2)
    assert "members      2" in cli("census")
    only_bad = folder / "only-bad.jsonl"
    only_bad.write_text("{not json\n", encoding="utf-8")
    existing = Cli(str(folder / "existing.db"), capsys)
    existing("member", "add", "cy")
    existing("import", str(only_bad), expect=2)
    assert "members      1" in existing("census")
    (folder / "empty.db").touch()  # an empty SQLite database, there before the import
    Cli(str(folder / "empty.db"), capsys)("import", str(only_bad), expect=2)
    assert (folder / "empty.db").is_file()
