"""A Community Payment Proposal's whole cycle through the real CLI, and its refusals,
on SQLite and PostgreSQL (backdated with --at so the 14-day window has closed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Databases, require_postgres
from tests.service.test_cli import Cli

BOOK = "tiny-book-vol-1"


@pytest.fixture(params=["sqlite", "postgres"])
def demo(
    request: pytest.FixtureRequest,
    databases: Databases,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Cli:
    if request.param == "postgres":
        require_postgres()
    cli = Cli(databases.url(request.param), capsys)
    cli("demo", "--tree", str(tmp_path / "tree.dot"))
    return cli


def _id(out: str) -> str:
    return str(json.loads(out)["id"])


def test_a_proposal_runs_from_draft_to_final_and_issues_its_last_version(demo: Cli) -> None:
    p = _id(demo("proposal", "draft", BOOK, "--revenue", "2", "--format", "json"))
    drafted = json.loads(demo("proposal", "show", p, "--format", "json"))
    pool = drafted["pool_minor"]
    assert sum(line["amount_minor"] for line in drafted["lines"]) == pool
    demo(
        "proposal",
        "adjust",
        p,
        "--role-credit",
        "Editors=5:quietfox,sketchpilot",
        "--reason",
        "five percent to the editors",
    )
    credited = json.loads(demo("proposal", "show", p, "--format", "json"))
    editors = [line for line in credited["lines"] if line["role"] == "Editors"]
    assert [line["share"] for line in editors] == ["1/40", "1/40"]
    demo("proposal", "adjust", p, "--return-share", "paper-moth", "--reason", "returned")
    demo("proposal", "open", p, "--at", "2020-01-01T00:00:00Z")
    # While open, direct issue of the same payment is refused.
    demo("royalties", BOOK, "--revenue", "2", "--issue", expect=2)
    assert "open proposal" in demo.err
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
    demo("proposal", "finalize", p, expect=2)
    assert "unanswered" in demo.err
    demo(
        "proposal",
        "answer",
        p,
        "1",
        "--decline",
        "--reason",
        "the split is fair",
        "--at",
        "2020-01-03T00:00:00Z",
    )
    demo("proposal", "finalize", p, "--at", "2020-01-10T00:00:00Z", expect=2)
    assert "window closes" in demo.err
    final = _id(demo("proposal", "finalize", p, "--format", "json"))
    assert final == p
    shown = json.loads(demo("proposal", "show", p, "--format", "json"))
    assert shown["state"] == "final" and shown["final_version"] == 3
    assert all(line["member_id"] != shown["lines"][0].get("x") for line in shown["lines"])
    assert (
        json.loads(demo("proposal", "show", p, "--version", "1", "--format", "json"))["lines"]
        == drafted["lines"]
    )
    assert "issued at position" in demo("royalties", BOOK, "--revenue", "2")
    # Nothing changes after final.
    demo("proposal", "cancel", p, "--reason", "too late", expect=2)
    demo("proposal", "adjust", p, "--override", "quietfox=10", "--reason", "x", expect=2)
    listed = json.loads(demo("proposal", "list", BOOK, "--format", "json"))
    assert [(i["id"], i["state"]) for i in listed if i["payment"] == "revenue:2"] == [(p, "final")]


def test_a_window_shorter_than_two_weeks_is_refused(demo: Cli) -> None:
    p = _id(demo("proposal", "draft", BOOK, "--revenue", "3", "--format", "json"))
    demo("proposal", "open", p, "--window-days", "13", expect=2)
    assert "at least 14 days" in demo.err
    demo("proposal", "comment", p, "hello", "--as", "quietfox", expect=2)
    assert "only while open" in demo.err


def test_a_cancelled_proposal_makes_room_for_a_new_draft(demo: Cli) -> None:
    p = _id(demo("proposal", "draft", BOOK, "--revenue", "3", "--format", "json"))
    demo("proposal", "draft", BOOK, "--revenue", "3", expect=2)
    demo("proposal", "cancel", p, "--reason", "", expect=2)
    demo("proposal", "cancel", p, "--reason", "wrong payment")
    second = _id(demo("proposal", "draft", BOOK, "--revenue", "3", "--format", "json"))
    assert second != p


def test_costs_shrink_the_pool_and_a_statement_over_it_is_refused(demo: Cli) -> None:
    demo("production", "cost", BOOK, "100000", "--description", "printing")
    demo("production", "revenue", BOOK, "100", "--external-id", "late-revenue")
    demo("proposal", "draft", BOOK, "--revenue", "4", expect=2)
    assert "left after the costs" in demo.err
    demo("royalties", BOOK, "--revenue", "4", "--issue", expect=2)
    assert "available after costs" in demo.err


def test_a_budget_is_proposed_like_a_payment(demo: Cli) -> None:
    demo("production", "budget", BOOK, "50000", "--description", "episode budget")
    p = _id(demo("proposal", "draft", BOOK, "--budget", "2", "--format", "json"))  # the demo has #1
    shown = json.loads(demo("proposal", "show", p, "--format", "json"))
    assert shown["pool_minor"] == 5_000_000
    assert sum(line["amount_minor"] for line in shown["lines"]) == 5_000_000
