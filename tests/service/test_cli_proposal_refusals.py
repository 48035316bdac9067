"""The refusals of a Community Payment Proposal the whole-cycle test leaves out, its
steps in ``history``, ``proposal show --as-of`` and ``verify`` after a whole cycle,
through the real CLI on the demo ledger (backdated so the 14-day window has closed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.service.test_cli import Cli

BOOK = "tiny-book-vol-1"
CURATOR = "lanternkeeper"


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    cli = Cli(str(tmp_path / "demo.db"), capsys)
    cli("demo", "--tree", str(tmp_path / "tree.dot"))
    return cli


def _id(out: str) -> str:
    return str(json.loads(out)["id"])


def _show(cli: Cli, p: str, *args: str) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(cli("proposal", "show", p, *args, "--format", "json"))
    return shown


def _open_proposal(cli: Cli) -> str:
    p = _id(cli("proposal", "draft", BOOK, "--revenue", "2", "--as", CURATOR, "--format", "json"))
    cli("proposal", "open", p, "--as", CURATOR, "--at", "2020-01-01T00:00:00Z")
    return p


def _object(cli: Cli, p: str, kind: str, member: str, *, expect: int = 0) -> str:
    return cli(
        "proposal", "object", p, "--kind", kind, "--text", "see my line", "--as", member,
        "--at", "2020-01-02T00:00:00Z", expect=expect,
    )  # fmt: skip


def test_only_a_curator_answers_an_objection(demo: Cli) -> None:
    p = _open_proposal(demo)
    _object(demo, p, "too-little", "quietfox")
    demo("proposal", "answer", p, "1", "--accept", "--reason", "yes", "--as", "quietfox", expect=2)
    assert "only a curator may answer objections" in demo.err
    assert _show(demo, p)["objections"][0]["answer"] is None


def test_a_member_who_is_no_payee_may_object_only_that_they_were_left_out(demo: Cli) -> None:
    demo("member", "add", "newcomer")
    p = _open_proposal(demo)
    for kind in ("too-much", "too-little", "other"):
        _object(demo, p, kind, "newcomer", expect=2)
        assert "only a payee may object" in demo.err
    _object(demo, p, "left-out", "newcomer")
    (objection,) = _show(demo, p)["objections"]
    assert objection["kind"] == "left_out"


def test_an_objection_is_answered_only_once(demo: Cli) -> None:
    p = _open_proposal(demo)
    _object(demo, p, "too-much", "quietfox")
    demo("proposal", "answer", p, "1", "--decline", "--reason", "fair", "--as", CURATOR)
    demo("proposal", "answer", p, "1", "--accept", "--reason", "changed my mind", expect=2)
    assert "answered already" in demo.err
    assert _show(demo, p)["objections"][0]["answer"]["decision"] == "declined"


def test_recompute_picks_up_a_newly_cited_work_and_reapplies_the_other_revisions(
    demo: Cli,
) -> None:
    demo("member", "add", "newcomer")
    demo(
        "contribute", "--title", "The tired cloud, first told", "--author", "newcomer",
        "--body", "A cloud, tired.", "--external-id", "missing-source",
    )  # fmt: skip
    p = _id(demo("proposal", "draft", BOOK, "--revenue", "2", "--format", "json"))
    demo("proposal", "adjust", p, "--role-credit", "Editors=5:quietfox,sketchpilot",
         "--reason", "the editors")  # fmt: skip
    before = _show(demo, p)
    assert "newcomer" not in {line["handle"] for line in before["lines"]}
    # The author of 'Umbrella' (in the book) now cites the resource they had left out.
    demo("cite", "rec-0021", "missing-source:inspiration:10", "--as", "mem-005")
    demo("proposal", "recompute", p, "--reason", "Umbrella now cites its source")
    after = _show(demo, p)
    assert after["version"] == 3
    assert [v["kind"] for v in after["versions"]] == ["draft", "role_credit", "recompute"]
    (new_line,) = [line for line in after["lines"] if line["handle"] == "newcomer"]
    assert new_line["amount_minor"] > 0 and new_line["share"] != "0"
    editors = [line["share"] for line in after["lines"] if line["role"] == "Editors"]
    assert editors == ["1/40", "1/40"]
    assert sum(line["amount_minor"] for line in after["lines"]) == after["pool_minor"]


def test_finalize_is_refused_while_an_objection_is_unanswered_even_after_the_window(
    demo: Cli,
) -> None:
    p = _open_proposal(demo)
    _object(demo, p, "too-little", "quietfox")
    demo("proposal", "finalize", p, "--as", CURATOR, expect=2)
    assert "unanswered" in demo.err
    assert _show(demo, p)["state"] == "open"


def test_finalize_is_refused_before_the_window_closes(demo: Cli) -> None:
    p = _open_proposal(demo)
    demo("proposal", "finalize", p, "--at", "2020-01-14T23:59:59Z", expect=2)
    assert "window closes on 2020-01-15" in demo.err
    assert _show(demo, p)["state"] == "open"


def test_nothing_is_revised_after_final(demo: Cli) -> None:
    p = _open_proposal(demo)
    demo("proposal", "finalize", p, "--as", CURATOR)
    demo("proposal", "recompute", p, "--reason", "late", expect=2)
    assert "final" in demo.err
    demo("proposal", "adjust", p, "--return-share", "quietfox", "--reason", "late", expect=2)
    assert _show(demo, p)["version"] == 1


def test_a_direct_issue_is_refused_for_a_payment_with_a_draft_proposal(demo: Cli) -> None:
    _id(demo("proposal", "draft", BOOK, "--revenue", "2", "--format", "json"))
    demo("royalties", BOOK, "--revenue", "2", "--issue", expect=2)
    assert "draft proposal" in demo.err
    assert "issued at position" not in demo("royalties", BOOK, "--revenue", "2")


def _whole_cycle(cli: Cli) -> str:
    p = _id(cli("proposal", "draft", BOOK, "--revenue", "2", "--as", CURATOR, "--format", "json"))
    cli("proposal", "adjust", p, "--role-credit", "Editors=5:quietfox,sketchpilot",
        "--reason", "the editors", "--as", CURATOR)  # fmt: skip
    cli("proposal", "open", p, "--as", CURATOR, "--at", "2020-01-01T00:00:00Z")
    cli(
        "proposal", "comment", p, "thanks all", "--as", "paper-moth", "--at", "2020-01-01T01:00:00Z"
    )
    _object(cli, p, "too-little", "quietfox")
    cli("proposal", "answer", p, "1", "--decline", "--reason", "the split is fair",
        "--as", CURATOR, "--at", "2020-01-03T00:00:00Z")  # fmt: skip
    cli("proposal", "finalize", p, "--as", CURATOR)
    return p


def _summaries(cli: Cli, member: str) -> dict[str, str]:
    page = json.loads(cli("history", "--member", member, "--limit", "10000", "--format", "json"))
    # The last of each type: the demo's own proposal comes before the test's.
    return {entry["type"]: entry["summary"] for entry in page["entries"]}


def test_every_proposal_step_shows_in_the_history_of_its_curator_and_its_payees(
    demo: Cli,
) -> None:
    _whole_cycle(demo)
    curator = _summaries(demo, CURATOR)
    assert "the proposal for revenue #2 of 'The Tiny Book" in curator["Drafted"]
    assert "revised to version 2 (role_credit): the editors" in curator["Revised"]
    assert "opened for comments until 2020-01-15 00:00 UTC" in curator["Opened"]
    assert "objection 1 to the proposal for revenue #2 declined" in curator["Answered"]
    assert "is final (version 2)" in curator["Finalized"]
    payee = _summaries(demo, "quietfox")
    assert {"Drafted", "Revised", "Objected"} <= payee.keys()
    assert "@quietfox objected (too little)" in payee["Objected"]
    assert "@paper-moth commented on the proposal" in _summaries(demo, "paper-moth")["Commented"]


def test_show_as_of_gives_the_proposal_as_it_stood(demo: Cli) -> None:
    p = _whole_cycle(demo)
    final = _show(demo, p)
    opened_at = next(
        e["position"]
        for e in json.loads(demo("history", "--member", CURATOR, "--format", "json",
                                 "--limit", "10000"))["entries"]
        if e["type"] == "Opened" and p in e["ids"]
    )  # fmt: skip
    then = _show(demo, p, "--as-of", str(opened_at))
    assert (then["state"], then["objections"], final["state"]) == ("open", [], "final")
    assert then["lines"] == final["lines"]
    drafted = _show(demo, p, "--as-of", str(opened_at - 1))
    assert drafted["state"] == "draft"
    demo("proposal", "show", p, "--as-of", "1", expect=2)
    assert "not drafted yet" in demo.err


def test_the_tamper_evident_log_verifies_after_a_whole_proposal_cycle(demo: Cli) -> None:
    _whole_cycle(demo)
    assert demo("verify").startswith("OK: ")
    assert "issued at position" in demo("royalties", BOOK, "--revenue", "2")
