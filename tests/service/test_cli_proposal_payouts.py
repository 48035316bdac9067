"""Paying out a final proposal through the real CLI: the payout file, balances carried
between proposals, payees' outcomes, a kill -9 while writing, and the notifications
the whole cycle gives its payees and its objector."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.service.test_cli import Cli

BOOK = "tiny-book-vol-1"


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    cli = Cli(str(tmp_path / "ledger.db"), capsys)
    cli("demo", "--tree", str(tmp_path / "tree.dot"))
    return cli


def _final(demo: Cli, revenue: str = "2") -> str:
    p = str(
        json.loads(demo("proposal", "draft", BOOK, "--revenue", revenue, "--format", "json"))["id"]
    )
    demo("proposal", "open", p, "--at", "2020-01-01T00:00:00Z")
    demo(
        "proposal",
        "object",
        p,
        "--kind",
        "too-little",
        "--text",
        "more please",
        "--as",
        "quietfox",
        "--at",
        "2020-01-02T00:00:00Z",
    )
    demo(
        "proposal",
        "answer",
        p,
        "1",
        "--decline",
        "--reason",
        "fair",
        "--at",
        "2020-01-03T00:00:00Z",
    )
    demo("proposal", "finalize", p)
    return p


def _balances(demo: Cli) -> dict[str, int]:
    return {
        b["handle"]: b["balance_minor"]
        for b in json.loads(demo("member", "balance", "--format", "json"))
    }


def test_payouts_are_refused_until_the_proposal_is_final(demo: Cli, tmp_path: Path) -> None:
    p = str(json.loads(demo("proposal", "draft", BOOK, "--revenue", "2", "--format", "json"))["id"])
    demo("proposal", "payouts", p, "--format", "csv", "-o", str(tmp_path / "x.csv"), expect=2)
    assert "final" in demo.err
    assert not (tmp_path / "x.csv").exists()


def test_a_line_under_the_minimum_is_carried_once_however_often_the_file_is_written(
    demo: Cli, tmp_path: Path
) -> None:
    p = _final(demo)
    out = tmp_path / "pay.csv"
    demo("proposal", "payouts", p, "--format", "csv", "-o", str(out), "--minimum", "10")
    first = out.read_bytes()
    carried = _balances(demo)
    assert carried and all(0 < amount < 1000 for amount in carried.values())
    demo("proposal", "payouts", p, "--format", "csv", "-o", str(out), "--minimum", "10")
    assert out.read_bytes() == first
    assert _balances(demo) == carried


def test_a_failed_payout_goes_back_to_the_members_balance_once(demo: Cli, tmp_path: Path) -> None:
    p = _final(demo)
    demo("member", "contact", "quietfox", "--paypal", "q@example.org")
    demo("proposal", "payouts", p, "--format", "paypal", "-o", str(tmp_path / "p.csv"))
    demo("proposal", "outcome", p, "quietfox", "--outcome", "failed", "--reference", "PP-1")
    owed = _balances(demo)["quietfox"]
    assert owed > 0
    demo(
        "proposal",
        "outcome",
        p,
        "quietfox",
        "--outcome",
        "returned",
        "--reference",
        "PP-1",
        expect=2,
    )
    assert _balances(demo)["quietfox"] == owed


def _listed(demo: Cli) -> list[str]:
    return [item["id"] for item in json.loads(demo("proposal", "list", "--format", "json"))]


def test_proposal_list_without_a_production_lists_every_proposal(demo: Cli) -> None:
    before = _listed(demo)  # the demo's own cycle, on the book's budget
    assert len(before) == 1
    p = _final(demo)
    assert _listed(demo) == [*before, p]


def test_a_payout_killed_while_writing_then_run_again_gives_the_same_file_and_balances(
    demo: Cli, tmp_path: Path
) -> None:
    p = _final(demo)
    out = tmp_path / "pay.csv"
    command = [
        str(Path(sys.executable).parent / "remix-ledger"),
        "--db",
        str(tmp_path / "ledger.db"),
        "proposal",
        "payouts",
        p,
        "--format",
        "csv",
        "-o",
        str(out),
        "--minimum",
        "10",
    ]
    child = subprocess.Popen(command, cwd=Path(__file__).parents[2], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not out.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    if child.poll() is None:
        os.kill(child.pid, signal.SIGKILL)  # the file is in place, its records maybe not
    child.wait()
    demo("proposal", "payouts", p, "--format", "csv", "-o", str(out), "--minimum", "10")
    again = out.read_bytes()
    balances = _balances(demo)
    demo("proposal", "payouts", p, "--format", "csv", "-o", str(out), "--minimum", "10")
    assert out.read_bytes() == again
    assert _balances(demo) == balances and balances


def _notices(demo: Cli, member: str, *flags: str) -> list[dict[str, object]]:
    shown = json.loads(demo("notifications", "--as", member, "--format", "json", *flags))
    return list(shown["notifications"])


def test_a_whole_cycle_notifies_the_payees_and_the_objector(demo: Cli) -> None:
    # The demo's own cycle (on the book's budget) notified some of them already.
    fox_before = len(_notices(demo, "quietfox"))
    moth_before = len(_notices(demo, "paper-moth"))
    p = _final(demo)
    fox = _notices(demo, "quietfox")[: len(_notices(demo, "quietfox")) - fox_before]
    assert [n["kind"] for n in fox] == ["finalized", "answered", "opened"]
    demo("notifications", "read", str(fox[0]["id"]), "--as", "quietfox")
    demo("projections", "rebuild")
    unread = [n["kind"] for n in _notices(demo, "quietfox", "--unread")]
    assert unread[:2] == ["answered", "opened"]  # the demo's older ones follow
    moth = _notices(demo, "paper-moth")
    assert [n["kind"] for n in moth[: len(moth) - moth_before]] == ["finalized", "opened"]
    assert p
