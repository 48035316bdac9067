"""The remix-ledger command line, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.cli.main import main


class Cli:
    """Runs ``remix-ledger --db DB ...`` in this process and captures what it prints."""

    def __init__(self, db: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.db = db
        self.capsys = capsys

    def __call__(self, *args: str, expect: int = 0) -> str:
        with pytest.raises(SystemExit) as done:
            main(["--db", self.db, *args])
        captured = self.capsys.readouterr()
        assert done.value.code == expect, f"remix-ledger {' '.join(args)}: {captured.err}"
        self.err = captured.err
        return captured.out


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(str(tmp_path / "cli.db"), capsys)


def run_console(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed console script in a child process."""
    script = Path(sys.executable).with_name("remix-ledger")
    env = {k: v for k, v in os.environ.items() if k != "REMIX_LEDGER_DB"}
    return subprocess.run(
        [str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


def test_a_member_contributes_another_remixes_and_the_history_shows_it(cli: Cli) -> None:
    cli("member", "add", "wirrow", "--name", "Wirrow W.", "--external-id", "mem-1")
    cli("member", "add", "bee")
    assert "recorded work" in cli(
        "contribute",
        "--title",
        "Tiny",
        "--author",
        "wirrow",
        "--body",
        "Once.",
        "--external-id",
        "rec-1",
    )
    cli(
        "remix",
        "--title",
        "Pic",
        "--author",
        "bee",
        "--kind",
        "image",
        "--source",
        "rec-1:illustration:10",
        "--external-id",
        "rec-2",
    )
    cli("comment", "rec-2", "Lovely", "--author", "mem-1")
    cli("vote", "rec-2", "--member", "wirrow")
    cli("vote", "rec-2", "--member", "wirrow", "--down")
    history = json.loads(cli("history", "--work", "rec-2", "--format", "json"))["entries"]
    assert [entry["type"] for entry in history] == ["Remixed", "Commented", "Voted", "VoteChanged"]
    assert history[0]["summary"] == "'Pic' (image) by @bee: illustration of 'Tiny'"
    assert [entry["position"] for entry in history] == sorted(
        entry["position"] for entry in history
    )
    text = cli("history", "--member", "wirrow")
    assert "VoteChanged" in text and "@wirrow changed their vote on 'Pic': -1" in text


def test_citing_a_descendant_is_refused_in_one_line_with_exit_code_2(cli: Cli) -> None:
    cli("member", "add", "ana")
    cli("contribute", "--title", "Root", "--author", "ana", "--external-id", "root")
    cli(
        "remix", "--title", "Child", "--author", "ana", "--source", "root", "--external-id", "child"
    )
    cli("cite", "root", "child:inspiration", "--as", "ana", expect=2)
    assert cli.err.startswith(
        "remix-ledger: error: citing 'Child' as a source of 'Root' would make"
    )
    assert cli.err.count("\n") == 1


def test_productions_are_created_filled_published_and_paid(cli: Cli) -> None:
    cli("member", "add", "ana")
    cli("member", "add", "curie", "--curator")
    cli("contribute", "--title", "Story", "--author", "ana", "--external-id", "s1")
    cli(
        "production",
        "create",
        "The Tiny Book",
        "--curator",
        "curie",
        "--external-id",
        "book",
        "--as",
        "curie",
    )
    cli("production", "include", "book", "s1", "--as", "curie")
    cli("production", "publish", "book", "--as", "curie")
    cli("production", "revenue", "book", "1234.56", "--currency", "USD", "--as", "ana", expect=2)
    assert "only a curator may record revenue" in cli.err
    assert "position" in cli("production", "revenue", "book", "1234.56", "--as", "curie")
    census = json.loads(cli("census", "--format", "json"))
    assert census["revenue"] == {"USD": "1234.56 USD"} and census["published"] == 1


def test_export_then_import_into_an_empty_ledger_gives_the_same_export(
    cli: Cli, tmp_path: Path
) -> None:
    cli("member", "add", "ana")
    cli("member", "add", "bo")
    cli("contribute", "--title", "Story", "--author", "ana")
    cli("member", "credit", "bo", "pseudonym", "--pseudonym", "B.")
    first = tmp_path / "first.jsonl"
    cli("export", "-o", str(first))
    copy = Cli(str(tmp_path / "copy.db"), cli.capsys)
    assert "recorded 4" in copy("import", str(first))
    assert "0 recorded" not in copy("import", str(first))
    assert "recorded 0, 4 already present" in copy("import", str(first))
    assert copy("export") == first.read_text(encoding="utf-8")


def test_a_dry_run_lists_every_bad_line_and_exits_2(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "bad.jsonl"
    archive.write_text(
        '{"type":"member","id":"m1","handle":"ok"}\n'
        '{"type":"member","id":"m2","handle":"no way"}\n'
        '{"type":"vote","work":"w9","member":"m1","value":1}\n',
        encoding="utf-8",
    )
    cli("import", str(archive), "--dry-run", expect=2)
    lines = cli.err.splitlines()
    assert (
        lines[0] == f"{archive}:2: handle 'no way' must be 2-32 characters of a-z, 0-9, '_' or '-'"
    )
    assert lines[1] == f"{archive}:3: unknown work 'w9' (a line may only refer to records above it)"
    assert lines[2] == f"remix-ledger: error: 2 bad line(s) in {archive}; nothing was recorded"
    # Nothing recorded, and no empty ledger left behind where there was none.
    cli("census", "--format", "json", expect=2)
    assert "no ledger at" in cli.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["vote", "nothing", "--member", "nobody"],
            "no member has id, external id or handle 'nobody'",
        ),
        (["history"], "give exactly one of --member or --work"),
        (["import", "/no/such/file.jsonl"], "/no/such/file.jsonl: cannot read"),
        (["frobnicate"], "No such command 'frobnicate'"),
        (["contribute", "--title", "x"], "Missing option '--author'"),
    ],
)
def test_user_errors_are_one_line_with_exit_code_2(cli: Cli, args: list[str], message: str) -> None:
    cli(*args, expect=2)
    assert cli.err.startswith(f"remix-ledger: error: {message}")
    assert cli.err.count("\n") == 1


def test_the_installed_script_reports_a_bad_database_setting_without_a_traceback(
    tmp_path: Path,
) -> None:
    done = run_console("--db", "postgresql://nobody@127.0.0.1:9/none", "census", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("remix-ledger: error: REMIX_LEDGER_DB / --db")
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def test_the_demo_builds_the_tiny_stories_ledger_in_the_default_file(tmp_path: Path) -> None:
    done = run_console("demo", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "remix-ledger.db").exists()
    assert "Built the Tiny Stories demo ledger" in done.stdout
    again = run_console("demo", "--format", "json", cwd=tmp_path)
    summary = json.loads(again.stdout)["ledger"]
    # Shown again as it was: the sample's records are all there, nothing is appended.
    assert summary["members"] >= 30 and summary["works"] >= 120
    assert summary["deepest_chain"] >= 6 and summary["diamonds"] >= 2
    assert summary["published"] >= 1 and summary["revenue"]
    assert summary["comments"] > 0 and summary["votes"] > 0
    assert summary["works_by_kind"]["image"] > 0 and summary["works_by_kind"]["audio"] > 0


def test_the_embedded_installation_runs_without_the_postgres_driver(tmp_path: Path) -> None:
    """`pip install .` (no postgres extra) must be enough for SQLite: psycopg is never imported."""
    program = (
        "import sys; sys.modules['psycopg'] = None\n"  # any import of it now fails
        "from service.cli.main import main\n"
        "main(['--db', sys.argv[1], 'demo', '--tree', sys.argv[2]])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, str(tmp_path / "d.db"), str(tmp_path / "t.dot")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Built the Tiny Stories demo ledger" in done.stdout


def test_recording_on_memory_is_refused_in_one_line_because_it_would_be_lost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    memory = Cli("memory://", capsys)
    tree = tmp_path / "tree.dot"
    for args in (["member", "add", "zed"], ["demo", "--tree", str(tree)], ["import", "/dev/null"]):
        memory(*args, expect=2)
        assert memory.err.startswith("remix-ledger: error: memory:// keeps a ledger only")
        assert "would be lost" in memory.err and memory.err.count("\n") == 1
    assert not tree.exists()
    # Queries and a dry run record nothing, so they still work there.
    assert "members      0 (0 curators)" in memory("census")
    archive = tmp_path / "one.jsonl"
    archive.write_text('{"type":"member","id":"m1","handle":"ok"}\n', encoding="utf-8")
    assert "would record 1" in memory("import", "--dry-run", str(archive))


@pytest.mark.parametrize("url", ["memory://foo", "memory:", "sqlite://"])
def test_only_memory_itself_names_the_in_memory_ledger(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = Cli(url, capsys)
    bad("census", expect=2)
    assert bad.err.startswith(f"remix-ledger: error: REMIX_LEDGER_DB / --db {url!r}")


def test_a_db_that_names_a_folder_says_it_is_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = Cli(str(tmp_path), capsys)
    folder("census", expect=2)
    assert f"'{tmp_path}' is a folder" in folder.err and folder.err.count("\n") == 1


def test_the_db_help_names_the_schema_option_and_sqlalchemy_slashes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert "?schema=NAME" in text and "sqlite:////absolute/path" in text


def test_export_dash_o_dash_writes_to_standard_output(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cli("member", "add", "ana")
    out = cli("export", "-o", "-")
    assert out.startswith('{"type":"archive"') and '"handle":"ana"' in out
    assert not (tmp_path / "-").exists()


def test_census_counts_read_as_english(cli: Cli) -> None:
    cli("member", "add", "curie", "--curator")
    cli("contribute", "--title", "Root", "--author", "curie", "--external-id", "r")
    text = cli("census")
    assert "(1 curator)" in text and "deepest chain 1 generation;" in text
    cli("remix", "--title", "Child", "--author", "curie", "--source", "r")
    assert "deepest chain 2 generations; 0 diamonds" in cli("census")
