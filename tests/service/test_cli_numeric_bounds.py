"""Numbers on the command line are bounded as text before any arithmetic (issue 21.1)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.service.test_cli import Cli


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    cli = Cli(str(tmp_path / "cli.db"), capsys)
    cli("member", "add", "ana")
    cli("member", "add", "curie", "--curator")
    cli("contribute", "--title", "Story", "--author", "ana", "--external-id", "s1")
    cli("production", "create", "Book", "--curator", "curie", "--external-id", "book")
    cli("production", "include", "book", "s1", "--as", "curie")
    return cli


def _error(cli: Cli, *args: str) -> str:
    cli(*args, expect=2)
    lines = cli.err.strip().splitlines()
    assert len(lines) == 1, cli.err
    return lines[0]


def test_an_exponent_in_a_credits_parameter_is_one_line_and_exit_2_at_once(cli: Cli) -> None:
    started = time.monotonic()
    message = _error(cli, "credits", "s1", "--policy", "decay", "--param", "r=1e-10000000")
    assert "decay r '1e-10000000' is not a number" in message
    assert time.monotonic() - started < 5
    message = _error(cli, "credits", "s1", "--policy", "flow", "--param", f"alpha=1/{'3' * 19}")
    assert "more than 18 digits" in message


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--param", "r=1e-5000"), "decay r '1e-5000' is not a number"),
        (("--param", "r=2"), "from 0 to 1"),
        (("--pool-percent", "1e-5000"), "--pool-percent '1e-5000' is not a decimal"),
        (("--pool-percent", "0." + "0" * 20 + "1"), "more than 18 digits"),
        (("--weight", "s1=1E+99"), "--weight s1: '1E+99' is not a decimal"),
    ],
)
def test_a_production_policy_with_an_unbounded_number_is_refused_and_not_recorded(
    cli: Cli, args: tuple[str, ...], reason: str
) -> None:
    message = _error(cli, "production", "policy", "book", "decay", *args, "--as", "curie")
    assert reason in message, message
    assert "decay" in cli("production", "policy", "book", "decay", "--as", "curie")
