"""A ``proposal finalize`` killed with SIGKILL at random moments: the proposal is then
either final with its statement issued, or still open with no statement, never half
(the final decision and the statement are one unit of work)."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.service.test_cli import Cli

BOOK = "tiny-book-vol-1"


def test_a_finalize_killed_at_any_moment_leaves_the_proposal_whole_or_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built = tmp_path / "built.db"
    cli = Cli(str(built), capsys)
    cli("demo", "--tree", str(tmp_path / "tree.dot"), "--payouts", str(tmp_path / "p.csv"))
    p = json.loads(cli("proposal", "draft", BOOK, "--revenue", "2", "--format", "json"))["id"]
    cli("proposal", "open", p, "--at", "2020-01-01T00:00:00Z")
    script = Path(sys.executable).with_name("remix-ledger")
    outcomes: dict[str, Path] = {}
    rng = random.Random(22)
    for attempt in range(6):
        db = tmp_path / f"run{attempt}.db"
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{built}{suffix}").exists():
                shutil.copy(f"{built}{suffix}", f"{db}{suffix}")
        child = subprocess.Popen(
            [str(script), "--db", str(db), "proposal", "finalize", p],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.2, 2.5))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        after = Cli(str(db), capsys)
        state = json.loads(after("proposal", "show", p, "--format", "json"))["state"]
        issued = "issued at position" in after("royalties", BOOK, "--revenue", "2")
        assert (state, issued) in {("final", True), ("open", False)}
        assert after("verify").startswith("OK: ")
        outcomes[state] = db
    # Whatever the timing, a later finalize completes an untouched proposal.
    if "open" in outcomes:
        again = Cli(str(outcomes["open"]), capsys)
        again("proposal", "finalize", p)
        assert "issued at position" in again("royalties", BOOK, "--revenue", "2")
