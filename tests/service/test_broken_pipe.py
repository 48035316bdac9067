"""A reader that stops reading (``remix-ledger credits W | head -1``) ends the command quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.service.cli_sample import sample_db

__all__ = ["sample_db"]

SCRIPT = Path(sys.executable).with_name("remix-ledger")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "REMIX_LEDGER_DB"}


def test_a_stdout_closed_before_anything_is_written_ends_with_exit_0_and_no_message(
    sample_db: str,
) -> None:
    """The reader is gone before the command prints: every write meets a broken pipe."""
    process = subprocess.Popen(
        [str(SCRIPT), "--db", sample_db, "credits", "rec-0109"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    with process.stderr:
        error = process.stderr.read()
    assert process.wait(timeout=120) == 0
    assert error == b""


def test_credits_piped_into_head_exits_0_with_nothing_on_stderr(sample_db: str) -> None:
    shell = f'"{SCRIPT}" --db "{sample_db}" credits rec-0109 | head -1; exit "${{PIPESTATUS[0]}}"'
    done = subprocess.run(
        ["bash", "-c", shell], capture_output=True, text=True, timeout=120, env=_env()
    )
    assert done.returncode == 0
    assert done.stdout.startswith("Credits for ") and done.stdout.count("\n") == 1
    assert done.stderr == ""
