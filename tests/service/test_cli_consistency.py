"""The CLI keeps the README's promises: one line and exit 2 for bad input, help, version."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.service.test_cli import Cli, run_console


def test_a_negative_revenue_is_refused_as_not_positive_not_as_an_unknown_option(
    cli: Cli,
) -> None:
    cli("member", "add", "cora", "--curator")
    cli("member", "add", "ana")
    cli("contribute", "--title", "Story", "--author", "ana", "--external-id", "s1")
    cli("production", "create", "Book", "--curator", "cora", "--external-id", "book")
    cli("production", "include", "book", "s1")
    cli("production", "publish", "book")
    cli("production", "revenue", "book", "-100", expect=2)
    assert cli.err == "remix-ledger: error: amount '-100' must be positive\n"
    for act in ("cost", "budget"):  # the other amounts a production records
        cli("production", act, "book", "-100", "--description", "Printing", expect=2)
        assert cli.err == "remix-ledger: error: amount '-100' must be positive\n", act


def test_a_key_file_that_is_not_text_is_one_line_and_exit_2(cli: Cli, tmp_path: Path) -> None:
    picture = tmp_path / "picture.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    cli("member", "add", "ana")
    cli("log", "checkpoint", "--key", str(picture), expect=2)
    assert cli.err == f"remix-ledger: error: {picture} is not a signing key: it is not text\n"
    cli("verify", "--vkey", str(picture), expect=2)
    assert cli.err.count("\n") == 1 and "is not text" in cli.err


def test_a_remix_given_an_external_id_already_taken_says_so(cli: Cli) -> None:
    cli("member", "add", "ana")
    cli("contribute", "--title", "One", "--author", "ana", "--external-id", "r1")
    cli("remix", "--title", "Two", "--author", "ana", "--source", "r1", "--external-id", "r2")
    for source in ("r1", "r2"):
        cli(
            "remix", "--title", "Again", "--author", "ana", "--source", source,
            "--external-id", "r2", expect=2,
        )  # fmt: skip
        assert cli.err == "remix-ledger: error: a work with external id 'r2' exists\n"


def test_bare_remix_ledger_shows_the_help_and_no_error(tmp_path: Path) -> None:
    done = run_console(cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Usage: remix-ledger" in done.stdout and "error" not in done.stderr
    group = run_console("member", cwd=tmp_path)
    assert group.returncode == 0 and "error" not in group.stderr


def test_version_prints_the_installed_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    done = run_console("--version", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"remix-ledger {version('remix-ledger')}\n"


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(str(tmp_path / "cli.db"), capsys)


def test_every_time_argument_takes_a_plain_date(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli("member", "add", "ana", "--at", "2024-02-28T12:00:00Z")
    cli("contribute", "--title", "Early", "--author", "ana", "--at", "2024-02-29T08:00:00Z")
    cli("contribute", "--title", "Late", "--author", "ana", "--at", "2024-03-02T08:00:00Z")
    shown = cli("rankings", "--since", "2024-02-29", "--until", "2024-02-29")
    assert "Early" in shown and "Late" not in shown
    assert "Late" in cli("rankings", "--since", "2024-03-01")
    today = datetime.now(UTC).date().isoformat()
    assert "Late" in cli("rankings", "--as-of", today)
    assert '"works": []' in cli("rankings", "--as-of", "2000-01-01", "--format", "json")


def test_grants_credit_preferences_and_production_settings_take_at(cli: Cli) -> None:
    cli("member", "add", "ana", "--at", "2024-01-01T00:00:00Z")
    cli("member", "grant", "ana", "curator", "--at", "2024-01-02T00:00:00Z")
    cli("member", "credit", "ana", "pseudonym", "--pseudonym", "A", "--at", "2024-01-03T00:00:00Z")
    cli(
        "contribute",
        "--title",
        "S",
        "--author",
        "ana",
        "--external-id",
        "s1",
        "--at",
        "2024-01-03T00:00:00Z",
    )
    cli(
        "production",
        "create",
        "Book",
        "--curator",
        "ana",
        "--external-id",
        "book",
        "--at",
        "2024-01-04T00:00:00Z",
    )
    cli("production", "include", "book", "s1", "--at", "2024-01-05T00:00:00Z")
    cli("production", "policy", "book", "equal", "--at", "2024-01-06T00:00:00Z")
    cli("production", "exclude", "book", "s1", "--at", "2024-01-07T00:00:00Z")
    archive = cli("export")
    for stamp in (
        '"granted_at":"2024-01-02T00:00:00Z"',
        '"set_at":"2024-01-03T00:00:00Z"',
        '"included_at":"2024-01-05T00:00:00Z"',
        '"chosen_at":"2024-01-06T00:00:00Z"',
        '"excluded_at":"2024-01-07T00:00:00Z"',
    ):
        assert stamp in archive, stamp


def test_token_issue_import_and_log_checkpoint_print_json_when_asked(
    cli: Cli, tmp_path: Path
) -> None:
    import json

    cli("member", "add", "ana", "--external-id", "ana")
    token = json.loads(
        cli("token", "issue", "--member", "ana", "--label", "ci", "--format", "json")
    )
    assert token["recorded"] == "token" and token["label"] == "ci"
    assert isinstance(token["position"], int) and token["secret"].startswith("rlt_")
    assert token["id"] in cli("token", "list")
    revoked = json.loads(cli("token", "revoke", token["id"], "--format", "json"))
    assert revoked == {
        "recorded": "revoked token",
        "id": token["id"],
        "position": token["position"] + 1,
    }
    archive = tmp_path / "one.jsonl"
    archive.write_text(cli("export"), encoding="utf-8")
    fresh = Cli(str(tmp_path / "fresh.db"), cli.capsys)
    report = json.loads(fresh("import", str(archive), "--format", "json"))
    assert report["recorded"] == "import" and report["applied"] == 1
    assert report["out_of_order"] == 0 and report["out_of_order_lines"] == []
    assert report["position"] == report["events"] and report["errors"] == []
    key = tmp_path / "log.key"
    cli("log", "keygen", "-o", str(key))
    checkpoint = json.loads(cli("log", "checkpoint", "--key", str(key), "--format", "json"))
    assert checkpoint["recorded"] == "checkpoint" and checkpoint["size"] == revoked["position"]
    assert checkpoint["note"].startswith(checkpoint["vkey"].split("+")[0])
