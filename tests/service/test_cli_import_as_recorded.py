"""`import` records a git-like history as dated, `--strict` refuses it, and a kill resumes."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger import open_ledger
from ledger.archive import export_archive, import_archive
from tests.ledger.git_like_history import GitLikeHistory, git_like_history
from tests.service.test_cli import Cli

HISTORY = git_like_history(300, seed=11)


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(str(tmp_path / "cli.db"), capsys)


def _write(history: GitLikeHistory, path: Path) -> Path:
    path.write_text("\n".join(history.archive_lines()) + "\n", encoding="utf-8")
    return path


def test_import_says_how_many_acts_it_recorded_out_of_order_and_names_the_first(
    cli: Cli, tmp_path: Path
) -> None:
    archive = str(_write(HISTORY, tmp_path / "g.jsonl"))
    early = [f"{archive}:{HISTORY.line_of(c.sha)}" for c in HISTORY.out_of_order]
    assert len(early) == 6
    checked = cli("import", archive, "--dry-run").splitlines()
    assert checked[1] == (
        "6 acts would be recorded out of order, dated before a source as the archive dates"
        f" them (--strict refuses them): {', '.join(early[:5])} and 1 more"
    )
    out = cli("import", archive).splitlines()
    assert out[0].startswith(f"{archive}: {len(HISTORY.archive_lines())} lines; recorded 330,")
    assert out[1] == (
        "6 acts recorded out of order, dated before a source as the archive dates them"
        f" (--strict refuses them): {', '.join(early[:5])} and 1 more"
    )
    again = cli("import", archive).splitlines()
    assert len(again) == 1 and "recorded 0, 330 already present" in again[0]


def test_import_strict_refuses_the_first_act_dated_before_its_source(
    cli: Cli, tmp_path: Path
) -> None:
    archive = str(_write(HISTORY, tmp_path / "g.jsonl"))
    first = HISTORY.out_of_order[0]
    cli("import", archive, "--strict", expect=2)
    assert cli.err.count("\n") == 1
    assert cli.err.startswith(
        f"remix-ledger: error: {archive}:{HISTORY.line_of(first.sha)}: the act is dated"
        f" {first.date:%Y-%m-%dT%H:%M:%SZ}, before its source"
    )
    assert open_ledger(cli.db).head == 0  # nothing half-applied


def test_credits_and_trees_as_of_a_commit_s_own_date_say_it_was_not_recorded_yet(
    cli: Cli, tmp_path: Path
) -> None:
    """`--as-of TIME` reads the log as recorded by then: the import recorded it all today."""
    cli("import", str(_write(HISTORY, tmp_path / "g.jsonl")))
    early = HISTORY.out_of_order[0]
    assert "Credits for" in cli("credits", early.sha)
    cli("credits", early.sha, "--as-of", f"{early.date:%Y-%m-%d}", expect=2)
    assert "as of position 0" in cli.err or "did not exist yet at position 0" in cli.err
    assert "wrote the family tree" in cli("tree", early.sha, "-o", str(tmp_path / "t.json"))
    cli("tree", early.sha, "-o", str(tmp_path / "t0.json"), "--as-of", "2000-01-01", expect=2)
    assert "position 0" in cli.err
    assert "wrote PROV-JSON" in cli("provenance", early.sha, "-o", str(tmp_path / "p.json"))
    assert cli("verify").startswith("OK: 360 events")


def test_a_live_cite_dated_before_its_source_is_still_refused(cli: Cli) -> None:
    cli("member", "add", "ana", "--at", "2020-01-01T00:00:00Z")
    cli("contribute", "--title", "A", "--author", "ana", "--external-id", "a",
        "--at", "2021-01-01T00:00:00Z")  # fmt: skip
    cli("contribute", "--title", "B", "--author", "ana", "--external-id", "b",
        "--at", "2021-05-01T00:00:00Z")  # fmt: skip
    cli("cite", "a", "b", "--as", "ana", "--at", "2021-04-30T23:59:59Z", expect=2)
    assert cli.err.strip().endswith(
        "the act is dated 2021-04-30T23:59:59Z, before its source 'B' was contributed"
        " (2021-05-01T00:00:00Z)"
    )


def test_an_import_killed_midway_completes_when_run_again(tmp_path: Path) -> None:
    """SIGKILL during the import keeps only whole batches; the re-run records the rest."""
    history = git_like_history(2_000, seed=5)
    archive = _write(history, tmp_path / "big.jsonl")
    db = tmp_path / "killed.db"
    script = Path(sys.executable).with_name("remix-ledger")
    env = {k: v for k, v in os.environ.items() if k != "REMIX_LEDGER_DB"}
    command = [str(script), "--db", str(db), "import", str(archive), "--batch-lines", "1"]
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _head(db) < 200:
            assert child.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "the import did not start"
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    killed_at = _head(db)
    expected_events = len(history.members) * 2 + len(history.commits)
    assert 200 <= killed_at < expected_events
    rerun = subprocess.run(
        command[:-2], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{expected_events - killed_at} events" in rerun.stdout
    resumed = open_ledger(str(db))
    clean = open_ledger("memory://")
    import_archive(clean, history.archive_lines())
    assert resumed.head == clean.head == expected_events
    assert _export(resumed) == _export(clean)
    resumed.close()


def _head(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
            (head,) = connection.execute("SELECT count(*) FROM stored_events").fetchone()
    except sqlite3.OperationalError:
        return 0  # the tables are being made
    return int(head or 0)


def _export(ledger: object) -> str:
    out = io.StringIO()
    export_archive(ledger, out)  # type: ignore[arg-type]
    return out.getvalue()
