"""``demo`` builds only into an empty ledger or a demo ledger, and never harms another."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Databases
from tests.service.test_cli import Cli, run_console

ROOT = Path(__file__).resolve().parents[2]


def _events(cli: Cli) -> int:
    return int(json.loads(cli("census", "--format", "json"))["events"])


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_demo_refuses_a_ledger_it_did_not_build_and_leaves_it_as_it_was(
    backend: str, databases: Databases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(databases.url(backend), capsys)
    cli("member", "add", "ana")
    cli("contribute", "--title", "Mine", "--author", "ana")
    before = cli("export")
    cli("demo", "--tree", str(tmp_path / "tree.dot"), expect=2)
    assert "already holds a ledger the demo did not build (3 events)" in cli.err
    assert "give --db another ledger" in cli.err and cli.err.count("\n") == 1
    cli("demo", "--replace", "--tree", str(tmp_path / "tree.dot"), expect=2)
    refused = {
        "sqlite": "already holds a ledger the demo did not build",
        "postgres": "--replace deletes only an SQLite demo ledger",
    }
    assert refused[backend] in cli.err and cli.err.count("\n") == 1
    assert cli("export") == before
    assert not (tmp_path / "tree.dot").exists()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_demo_builds_into_an_empty_ledger_then_shows_it_again_unchanged(
    backend: str, databases: Databases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(databases.url(backend), capsys)
    first = cli("demo", "--tree", str(tmp_path / "tree.dot"))
    assert first.startswith("Built the Tiny Stories demo ledger in")
    built = cli("export")
    again = cli("demo", "--tree", str(tmp_path / "tree.dot"))
    assert "(built earlier; nothing new recorded)" in again.splitlines()[0]
    assert "recorded 0, 645 already present" in again
    assert cli("export") == built  # not one event more: statement #1 is issued once


def test_replace_rebuilds_an_sqlite_demo_ledger_from_scratch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(str(tmp_path / "demo.db"), capsys)
    cli("demo", "--tree", str(tmp_path / "tree.dot"))
    events = _events(cli)
    cli("member", "add", "visitor")
    assert _events(cli) == events + 2
    cli("demo", "--tree", str(tmp_path / "tree.dot"))  # still a demo ledger: shown as it is
    assert _events(cli) == events + 2
    rebuilt = cli("demo", "--replace", "--tree", str(tmp_path / "tree.dot"))
    assert rebuilt.startswith("Built the Tiny Stories demo ledger")
    assert _events(cli) == events
    cli("history", "--member", "visitor", expect=2)


def test_the_demo_refuses_a_tree_in_a_missing_folder_before_recording_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(str(tmp_path / "demo.db"), capsys)
    cli("demo", "--tree", str(tmp_path / "missing" / "tree.svg"), expect=2)
    assert cli.err == (
        f"remix-ledger: error: --tree {tmp_path / 'missing' / 'tree.svg'}:"
        f" folder '{tmp_path / 'missing'}' does not exist\n"
    )
    assert not (tmp_path / "demo.db").exists()


def test_the_project_gitignore_covers_what_the_commands_write_where_they_run(
    tmp_path: Path,
) -> None:
    """Run in a clone, the demo and a citation leave nothing for ``git status`` to show."""
    assert run_console("demo", cwd=tmp_path).returncode == 0
    for args in (
        ["member", "add", "ana"],
        ["contribute", "--title", "A", "--author", "ana", "--external-id", "a"],
        ["contribute", "--title", "B", "--author", "ana", "--external-id", "b"],
        ["cite", "b", "a", "--as", "ana"],
    ):
        done = run_console("--db", "mine.db", *args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    written = sorted(path.name for path in tmp_path.iterdir())
    assert "remix-ledger.db.citations.lock" in written or "mine.db.citations.lock" in written
    ignored = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "--no-index", "--stdin"],
        input="\n".join(written),
        capture_output=True,
        text=True,
    ).stdout.split()
    assert sorted(ignored) == written


def test_the_demo_ranks_works_by_external_id_with_readable_hot_scores_and_counts_every_event(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(str(tmp_path / "demo.db"), capsys)
    shown = cli("demo", "--tree", str(tmp_path / "tree.dot")).splitlines()
    start = shown.index(next(line for line in shown if line.startswith("Top works by Wilson")))
    rows = shown[start + 2 : start + 7]
    assert [row.split()[7] for row in rows] == [
        "rec-0001",
        "rec-0005",
        "rec-0055",
        "rec-0002",
        "rec-0003",
    ]
    assert not any(re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", row) for row in rows)
    assert not any("e-" in row.split()[2] for row in rows)  # no 9.89e-43
    # The statement the demo issues is counted: the count is the ledger's at the end.
    (events,) = [line for line in shown if line.strip().startswith("events")]
    assert f"events       {_events(cli)}," in events


def test_the_demo_runs_a_whole_proposal_cycle_once_and_writes_its_payout_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(str(tmp_path / "demo.db"), capsys)
    payouts = tmp_path / "payouts.csv"
    out = cli("demo", "--tree", str(tmp_path / "tree.dot"), "--payouts", str(payouts))
    assert "Final Community Payments for budget #1" in out and "(Editors)" in out
    (listed,) = json.loads(cli("proposal", "list", "tiny-book-vol-1", "--format", "json"))
    shown = json.loads(cli("proposal", "show", listed["id"], "--format", "json"))
    assert (shown["state"], shown["final_version"]) == ("final", 2)
    assert [o["answer"]["decision"] for o in shown["objections"]] == ["declined"]
    rows = payouts.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "handle,name,amount,currency,payout_id"
    paid = sum(round(float(row.split(",")[2]) * 100) for row in rows[1:])
    assert paid == shown["pool_minor"] == 200_000
    events = _events(cli)
    cli("demo", "--tree", str(tmp_path / "tree.dot"), "--payouts", str(payouts))
    assert _events(cli) == events
