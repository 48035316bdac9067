"""docs/payments.md's worked example, run command by command through the real CLI on
a scratch ledger: every line it shows, every amount and share, is what the CLI prints."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.service.test_cli import Cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "payments.md"


def worked_example() -> list[tuple[list[str], str]]:
    """The example's ``$ command`` lines, each with the output the doc shows under it."""
    section = DOC.read_text(encoding="utf-8").split("## Worked example", 1)[1]
    section = section.split("\n## ", 1)[0]
    steps: list[tuple[list[str], str]] = []
    for block in re.findall(r"```console\n(.*?)```", section, re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((shlex.split(line[2:]), ""))
            else:
                command, shown = steps[-1]
                steps[-1] = (command, shown + line + "\n")
    return steps


def test_the_worked_example_shows_the_pool_after_costs_and_every_final_amount() -> None:
    shown = "".join(output for _, output in worked_example())
    for figure in ("5250.00 USD", "131.25 USD", "3990.00 USD", "997.50 USD", "1128.75"):
        assert figure in shown


def test_every_command_of_the_worked_example_prints_what_the_doc_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REMIX_LEDGER_PROPOSAL_WINDOW_DAYS", raising=False)
    cli = Cli(str(tmp_path / "example.db"), capsys)
    for command, expected in worked_example():
        if command[0] == "cat":
            printed = (tmp_path / command[1]).read_text(encoding="utf-8")
        else:
            assert command[0] == "remix-ledger"
            refused = expected.startswith("remix-ledger: error:")
            printed = cli(*command[1:], expect=2 if refused else 0) + cli.err
        assert printed == expected, shlex.join(command)
