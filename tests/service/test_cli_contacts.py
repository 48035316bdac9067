"""``member contact``: addresses set, shown to the operator, erased, and never exported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.service.test_cli import Cli


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(str(tmp_path / "cli.db"), capsys)


@pytest.fixture
def studio(cli: Cli) -> Cli:
    cli("member", "add", "ann", "--name", "Ann A.")
    cli("member", "add", "bo")
    return cli


def test_a_members_addresses_are_set_in_parts_and_shown_to_the_operator(studio: Cli) -> None:
    studio("member", "contact", "ann", "--email", "ann@example.org", "--paypal", "pp@example.org")
    studio(
        "member",
        "contact",
        "ann",
        "--wise",
        "w@example.org",
        "--wise-name",
        "Ann Able",
        "--as",
        "ann",
    )
    shown = json.loads(studio("member", "contact", "ann", "--format", "json"))
    assert shown == {
        "id": shown["id"],
        "email": "ann@example.org",
        "paypal_email": "pp@example.org",
        "wise_email": "w@example.org",
        "wise_name": "Ann Able",
    }


def test_a_member_cannot_read_or_change_anothers_contact(studio: Cli) -> None:
    studio("member", "contact", "ann", "--email", "ann@example.org")
    studio("member", "contact", "ann", "--as", "ann", expect=2)
    assert "only the operator" in studio.err
    studio("member", "contact", "ann", "--email", "bo@example.org", "--as", "bo", expect=2)
    studio("member", "contact", "ann", "--erase", "--as", "bo", expect=2)


def test_a_bad_address_is_one_line_and_exit_2_and_nothing_is_stored(studio: Cli) -> None:
    studio(
        "member",
        "contact",
        "ann",
        "--email",
        "ann@example.org",
        "--paypal",
        "not-an-email",
        expect=2,
    )
    assert studio.err.count("\n") == 1 and "--paypal" in studio.err
    shown = json.loads(studio("member", "contact", "ann", "--format", "json"))
    assert shown["email"] is None


def test_export_never_holds_a_contact_and_erase_leaves_no_bytes_in_the_store_file(
    studio: Cli, tmp_path: Path
) -> None:
    studio(
        "member",
        "contact",
        "ann",
        "--email",
        "secret-ann@example.org",
        "--paypal",
        "secret-pp@example.org",
    )
    exported = studio("export", "-o", "-")
    assert "secret-" not in exported
    assert b"secret-" not in Path(studio.db).read_bytes()  # the ledger file holds none
    store_file = tmp_path / "cli.contacts.db"
    assert b"secret-ann@example.org" in store_file.read_bytes()
    answer = json.loads(studio("member", "contact", "ann", "--erase", "--format", "json"))
    assert answer["erased"] is True
    assert b"secret-" not in store_file.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("cli.contacts.db-")]
    assert json.loads(studio("member", "contact", "ann", "--format", "json"))["email"] is None


def test_erase_with_addresses_is_refused(studio: Cli) -> None:
    studio("member", "contact", "ann", "--erase", "--email", "a@example.org", expect=2)


def test_contacts_are_not_kept_for_a_ledger_in_memory(capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli("memory://", capsys)
    cli("member", "contact", "x", "--email", "a@example.org", expect=2)
    assert "memory://" in cli.err
