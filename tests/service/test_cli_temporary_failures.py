"""The CLI on a locked ledger and on a full disk: reads answer, writes fail in one line, exit 2."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.full_disk import small_disk

SCRIPT = Path(sys.executable).with_name("remix-ledger")


def _run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REMIX_LEDGER_DB"}
    env["REMIX_LEDGER_BUSY_TIMEOUT"] = "1"
    return subprocess.run(
        [str(SCRIPT), "--db", str(db), *args],
        cwd=db.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def _build(db: Path) -> None:
    for args in (
        ("member", "add", "ana"),
        ("contribute", "--title", "Spare Key", "--author", "ana", "--body", "Once."),
    ):
        done = _run(db, *args)
        assert done.returncode == 0, done.stderr


def test_works_list_answers_on_a_full_disk_and_a_write_fails_in_one_line(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        db = disk.folder / "ledger.db"
        _build(db)
        disk.fill()
        listed = _run(db, "works", "list")
        assert listed.returncode == 0, listed.stderr
        assert "Spare Key" in listed.stdout
        refused = _run(db, "member", "add", "ben")
        assert refused.returncode == 2
        assert refused.stderr.count("\n") == 1
        assert "is full" in refused.stderr
        disk.free()
        assert _run(db, "member", "add", "ben").returncode == 0


def test_a_write_on_a_locked_ledger_fails_in_one_line_with_exit_2_and_reads_go_on(
    tmp_path: Path,
) -> None:
    db = tmp_path / "ledger.db"
    _build(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        refused = _run(db, "member", "add", "ben")
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.count("\n") == 1
        assert "locked by another writer" in refused.stderr
        listed = _run(db, "works", "list")
        assert listed.returncode == 0, listed.stderr
        assert "Spare Key" in listed.stdout
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _run(db, "member", "add", "ben").returncode == 0


@pytest.mark.parametrize("value", ["0", "soon", "-3"])
def test_a_busy_timeout_that_is_not_whole_seconds_is_refused_in_one_line(
    tmp_path: Path, value: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REMIX_LEDGER_DB"}
    env["REMIX_LEDGER_BUSY_TIMEOUT"] = value
    done = subprocess.run(
        [str(SCRIPT), "--db", str(tmp_path / "l.db"), "works", "list"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 2
    assert "REMIX_LEDGER_BUSY_TIMEOUT" in done.stderr
