"""``projections status`` and ``rebuild`` say whether the read models are kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli.views import IN_MEMORY_NOTE
from tests.service.test_cli import Cli


def test_on_memory_the_read_models_are_said_to_last_this_command_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli = Cli("memory://", capsys)
    assert cli("projections", "status") == f"position 0, head 0, lag 0\n{IN_MEMORY_NOTE}\n"
    assert cli("projections", "rebuild").splitlines()[-1] == IN_MEMORY_NOTE
    shown = json.loads(cli("projections", "status", "--format", "json"))
    assert shown == {"position": 0, "head": 0, "lag": 0, "in_memory": True}


def test_on_a_file_the_read_models_are_kept_and_nothing_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(str(tmp_path / "ledger.db"), capsys)
    cli("member", "add", "ana")
    assert cli("projections", "rebuild").startswith("rebuilt to position 2 in ")
    assert IN_MEMORY_NOTE not in cli("projections", "rebuild")
    assert cli("projections", "status") == "position 2, head 2, lag 0\n"
    shown = json.loads(cli("projections", "status", "--format", "json"))
    assert shown == {"position": 2, "head": 2, "lag": 0, "in_memory": False}
