"""Output a reader can use (issue 13 items 4, 6, 10; issue 12 item 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.service.cli_sample import sample_db
from tests.service.test_cli import Cli

__all__ = ["sample_db"]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(str(tmp_path / "cli.db"), capsys)


@pytest.fixture
def tiny(sample_db: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(sample_db, capsys)


def _one_line_error(cli: Cli, *args: str) -> str:
    cli(*args, expect=2)
    lines = cli.err.strip().splitlines()
    assert len(lines) == 1, cli.err
    return lines[0]


def test_tree_and_provenance_into_a_missing_folder_are_one_line_errors(
    tiny: Cli, tmp_path: Path
) -> None:
    missing = tmp_path / "nope" / "tree.dot"
    message = _one_line_error(tiny, "tree", "rec-0109", "-o", str(missing))
    assert message.endswith(f"cannot write '{missing}': folder '{missing.parent}' does not exist")
    missing = tmp_path / "nope" / "prov.json"
    assert "does not exist" in _one_line_error(tiny, "provenance", "rec-0109", "-o", str(missing))
    assert not missing.parent.exists()


@pytest.mark.parametrize(
    ("fmt", "start"), [("dot", "digraph"), ("json", "{"), ("graphml", "<?xml")]
)
def test_tree_to_stdout_writes_the_format_asked_for(
    tiny: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, start: str
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tiny("tree", "rec-0109", "-o", "-", "--format", fmt)
    assert out.lstrip().startswith(start)
    assert not (tmp_path / "-").exists()
    on_file = tmp_path / f"tree.{fmt}"
    tiny("tree", "rec-0109", "-o", str(on_file))
    assert out == on_file.read_text(encoding="utf-8")


def test_provenance_to_stdout_is_the_prov_json_document(
    tiny: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    document = json.loads(tiny("provenance", "rec-0109", "-o", "-"))
    assert "entity" in document and "wasDerivedFrom" in document
    assert not (tmp_path / "-").exists()


def test_recording_commands_print_id_external_id_and_position_as_json(cli: Cli) -> None:
    added = json.loads(cli("member", "add", "ana", "--external-id", "m-1", "--format", "json"))
    assert added == {
        "recorded": "registered member",
        "id": added["id"],
        "external_id": "m-1",
        "position": added["position"],
    }
    work = json.loads(
        cli(
            "contribute",
            "--title",
            "A",
            "--author",
            "ana",
            "--external-id",
            "w-1",
            "--format",
            "json",
        )
    )
    assert work["external_id"] == "w-1" and work["position"] > added["position"]
    voted = json.loads(cli("vote", "w-1", "--member", "ana", "--format", "json", expect=2) or "{}")
    assert voted == {}  # one's own work: refused, nothing printed on stdout
    cli("member", "add", "bo")
    voted = json.loads(cli("vote", "w-1", "--member", "bo", "--format", "json"))
    assert voted["external_id"] is None and voted["position"] is not None


def test_member_add_prints_the_position_history_shows(cli: Cli) -> None:
    out = cli("member", "add", "ana")
    position = int(out.rsplit("position ", 1)[1].rstrip(")\n"))
    history = cli("history", "--member", "ana").splitlines()
    assert history[1].split()[0] == str(position)


def test_history_has_a_header_and_a_readable_summary_for_every_event(tiny: Cli) -> None:
    out = tiny("history", "--work", "rec-0109")
    lines = out.splitlines()
    assert lines[0].split() == ["position", "occurred", "(UTC)", "type", "actor", "summary"]
    summary_at = lines[0].index("summary")
    assert all(line[summary_at - 2 : summary_at] == "  " for line in lines[1:])


def test_a_repeated_issue_says_the_statement_was_already_issued(cli: Cli) -> None:
    cli("member", "add", "ana", "--curator")
    cli("contribute", "--title", "A", "--author", "ana", "--external-id", "a")
    cli("production", "create", "P", "--curator", "ana", "--external-id", "p")
    cli("production", "include", "p", "a")
    cli("production", "publish", "p")
    cli("production", "revenue", "p", "100")
    assert "issued statement #1" in cli("royalties", "p", "--issue")
    again = cli("royalties", "p", "--issue")
    assert again.startswith("statement #1 was already issued, at position ")
    assert again.rstrip().endswith("nothing new recorded")
    assert (
        json.loads(cli("royalties", "p", "--issue", "--revenue", "1", "--format", "json"))[
            "already_issued"
        ]
        == 1
    )
    cli("production", "revenue", "p", "50")
    issued = cli("royalties", "p", "--issue")
    assert "issued statement #2" in issued and "#1" not in issued  # only what is new


def test_the_waiver_applies_to_revenue_recorded_after_it_as_its_help_says(cli: Cli) -> None:
    cli("member", "add", "ana", "--curator")
    cli("member", "add", "bo")
    cli("contribute", "--title", "A", "--author", "ana", "--external-id", "a")
    cli("remix", "--title", "B", "--author", "bo", "--source", "a", "--external-id", "b")
    cli("production", "create", "P", "--curator", "ana", "--external-id", "p")
    cli("production", "include", "p", "b")
    cli("production", "publish", "p")
    cli("production", "revenue", "p", "100")
    cli("production", "waive", "p", "--member", "ana")
    cli("production", "revenue", "p", "100")
    statements = json.loads(cli("royalties", "p", "--format", "json"))
    ana = [next(line for line in s["lines"] if line["handle"] == "ana") for s in statements]
    assert [line["waived"] for line in ana] == [False, True]
    assert ana[0]["amount"] != "0.00" and ana[1]["amount"] == "0.00"
    help_text = " ".join(cli("production", "waive", "--help").split())
    assert "revenue payments recorded after the waiver" in help_text


def test_credits_in_markdown_and_html_are_the_whole_credits_and_json_has_the_attribution(
    tiny: Cli,
) -> None:
    text = tiny("credits", "rec-0109")
    contributors = [line for line in text.splitlines() if line.startswith("  ")]
    markdown = tiny("credits", "rec-0109", "--format", "md")
    assert markdown.startswith('## Credits for "The Lighthouse, Retold (book spread)"')
    assert markdown.count("\n| ") == len(contributors) + 1  # the header row, one per contributor
    assert "Attribution: " in markdown
    page = tiny("credits", "rec-0109", "--format", "html")
    assert page.count("<tr><td>") == len(contributors)
    assert '<p class="attribution">' in page
    data = json.loads(tiny("credits", "rec-0109", "--format", "json"))
    assert data["attribution"]["text"] == text.strip().splitlines()[-1]
    assert data["attribution"]["entries"][0]["title"] == "The Lighthouse, Retold (book spread)"


def test_credits_text_lists_a_few_works_each_and_counts_the_rest_while_json_lists_all(
    cli: Cli,
) -> None:
    cli("member", "add", "ana")
    cli("member", "add", "bo")
    sources = []
    for number in range(8):
        cli("contribute", "--title", f"W{number}", "--author", "ana", "--external-id", f"w{number}")
        sources += ["--source", f"w{number}"]
    cli("remix", "--title", "Big", "--author", "bo", *sources[2:], "--external-id", "big")
    line = next(ln for ln in cli("credits", "big").splitlines() if ln.startswith("  ana"))
    assert line.endswith('for "W1", "W2", "W3" and 4 more')
    data = json.loads(cli("credits", "big", "--format", "json"))
    ana = next(c for c in data["credits"] if c["handle"] == "ana")
    assert len(ana["works"]) == 7


def test_retracted_works_are_marked_in_the_credits_text(cli: Cli) -> None:
    cli("member", "add", "ana")
    cli("member", "add", "bo")
    cli("contribute", "--title", "A", "--author", "ana", "--external-id", "a")
    cli("remix", "--title", "B", "--author", "bo", "--source", "a", "--external-id", "b")
    cli("retract", "a")
    text = cli("credits", "b")
    assert '"A" (retracted)' in text
    assert "(retracted)" in cli("credits", "b", "--format", "md")
