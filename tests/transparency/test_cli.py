"""The ``log`` commands and ``verify``, run as a user runs them."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest

from ledger import open_ledger
from ledger.transparency.audit import FindingKind
from ledger.transparency.merkle import leaf_hash
from ledger.transparency.store import TreeStore
from tests.service.test_cli import Cli


@pytest.fixture
def cli(sample_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(sample_url, capsys)


@pytest.fixture
def keyed(cli: Cli, tmp_path: Path) -> tuple[Path, str]:
    key = tmp_path / "log.key"
    out = cli("log", "keygen", "-o", str(key), "--origin", "studio.example/log")
    return key, out.strip().splitlines()[-1]


def test_keygen_writes_a_private_file_and_prints_the_verifier_key_last(
    cli: Cli, keyed: tuple[Path, str]
) -> None:
    key, vkey = keyed
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert vkey.startswith("studio.example/log+")
    # PRIVATE+KEY+<name>+<key id>+<base64 key>: the base64 may itself hold a "+".
    secret = key.read_text().strip().split("+", 4)[4]
    assert len(secret) == 44
    cli("log", "keygen", "-o", str(key), expect=2)
    assert "never overwritten" in cli.err
    out = cli("log", "checkpoint", "--key", str(key))
    assert secret not in out
    listed = cli("log", "checkpoints", "--format", "json")
    assert secret not in listed
    assert json.loads(listed)[0]["vkey"] == vkey


def test_checkpoint_signs_the_head_and_the_proofs_check_offline(
    cli: Cli, keyed: tuple[Path, str], tmp_path: Path, sample_url: str
) -> None:
    key, vkey = keyed
    first = cli("log", "checkpoint", "--key", str(key))
    assert first.startswith("studio.example/log\n")
    old_size = int(first.splitlines()[1])
    ledger = open_ledger(sample_url)
    ledger.register_member(handle="newcomer")
    ledger.close()
    second = cli("log", "checkpoint", "--key", str(key))
    new_size = int(second.splitlines()[1])
    assert new_size > old_size
    assert [c["size"] for c in json.loads(cli("log", "checkpoints", "--format", "json"))] == [
        old_size,
        new_size,
    ]

    inclusion = tmp_path / "inclusion.json"
    inclusion.write_text(cli("log", "prove", "--position", "42"))
    document = json.loads(inclusion.read_text())
    assert document["tree_size"] == new_size and document["leaf_index"] == 41
    assert "is leaf 41" in cli("log", "check-proof", str(inclusion), "--vkey", vkey)

    consistency = tmp_path / "consistency.json"
    consistency.write_text(cli("log", "prove", "--from", str(old_size)))
    assert "extends" in cli("log", "check-proof", str(consistency), "--vkey", vkey)

    # A proof altered by one hash, or checked with another key, does not hold (exit 1).
    document["proof"][0] = document["proof"][1]
    inclusion.write_text(json.dumps(document))
    cli("log", "check-proof", str(inclusion), "--vkey", vkey, expect=1)
    other = cli("log", "keygen", "-o", str(tmp_path / "other.key")).strip().splitlines()[-1]
    cli("log", "check-proof", str(consistency), "--vkey", other, expect=1)
    assert "not signed by a known key" in cli.err


def test_prove_refuses_what_it_cannot_prove(cli: Cli) -> None:
    cli("log", "prove", expect=2)
    cli("log", "prove", "--position", "999999", expect=2)
    assert "no event at position 999999" in cli.err
    cli("log", "prove", "--position", "5", "--size", "2", expect=2)
    cli("log", "prove", "--from", "0", expect=2)


def test_tiles_writes_the_checkpoint_and_every_tile(
    cli: Cli, keyed: tuple[Path, str], tmp_path: Path
) -> None:
    key, _ = keyed
    note = cli("log", "checkpoint", "--key", str(key))
    size = int(note.splitlines()[1])
    out = tmp_path / "site"
    cli("log", "tiles", "-o", str(out))
    assert (out / "checkpoint").read_text() == note
    full = (out / "tile/0/000").read_bytes()
    assert len(full) == 8192
    partial = out / f"tile/0/{size // 256:03d}.p/{size % 256}"
    assert len(partial.read_bytes()) == 32 * (size % 256)
    bundle = (out / "tile/entries/000").read_bytes()
    length = int.from_bytes(bundle[:2], "big")
    assert leaf_hash(bundle[2 : 2 + length]) == full[:32]
    assert (out / f"tile/1/000.p/{size // 256}").exists()


def test_tiles_needs_a_checkpoint(cli: Cli, tmp_path: Path) -> None:
    cli("log", "tiles", "-o", str(tmp_path / "site"), expect=2)
    assert "log checkpoint" in cli.err


def test_verify_passes_a_clean_ledger_and_names_a_change(
    cli: Cli, keyed: tuple[Path, str], sample_url: str
) -> None:
    key, vkey = keyed
    cli("log", "checkpoint", "--key", str(key))
    assert cli("verify", "--vkey", vkey).startswith("OK: ")
    ledger = open_ledger(sample_url)
    tables = TreeStore(ledger).tables
    with tables.transaction(commit=True) as cursor:
        cursor.execute(
            tables.sql(f"DELETE FROM {tables.events} WHERE {tables.position_column} = ?"), (77,)
        )
    ledger.close()
    cli("verify", "--vkey", vkey, expect=1)
    assert cli.err.splitlines()[0].startswith(
        f"MISMATCH at position 77: {FindingKind.DELETED_EVENT}"
    )
    report = json.loads(cli("verify", "--format", "json", expect=1))
    assert report["findings"][0]["position"] == 77


def _delete_checkpoints(url: str, where: str = "") -> None:
    ledger = open_ledger(url)
    tables = TreeStore(ledger).tables
    with tables.transaction(commit=True) as cursor:
        cursor.execute(f"DELETE FROM {tables.checkpoints} {where}")
    ledger.close()


def _grow(url: str, *handles: str) -> None:
    ledger = open_ledger(url)
    for handle in handles:
        ledger.register_member(handle=handle)
    ledger.close()


def test_verify_with_a_key_fails_when_no_checkpoint_it_signed_is_left(
    cli: Cli, keyed: tuple[Path, str], sample_url: str
) -> None:
    """Issue 21 item 8: with every checkpoint deleted, verify --vkey said OK."""
    key, vkey = keyed
    cli("log", "checkpoint", "--key", str(key))
    assert "1 checkpoints verified" in cli("verify", "--vkey", vkey)
    _delete_checkpoints(sample_url)
    cli("verify", "--vkey", vkey, expect=1)
    line = cli.err.splitlines()[0]
    assert line.startswith(f"MISMATCH at {FindingKind.NO_TRUSTED_CHECKPOINT}: no checkpoint")
    assert vkey in line
    report = json.loads(cli("verify", "--vkey", vkey, "--format", "json", expect=1))
    assert report["checkpoints_verified"] == 0 and report["key_given"] is True


def test_verify_without_a_key_says_plainly_that_no_signature_was_checked(
    cli: Cli, keyed: tuple[Path, str]
) -> None:
    out = cli("verify")
    assert out.startswith("OK: ") and "0 checkpoints verified" in out
    assert "No signature was checked: no --vkey was given and no checkpoint" in out
    key, _ = keyed
    cli("log", "checkpoint", "--key", str(key))
    out = cli("verify")
    assert "No signature was checked against a key you trust" in out


def test_the_signer_keeps_its_last_checkpoint_beside_the_key_in_a_private_file(
    cli: Cli, keyed: tuple[Path, str], sample_url: str
) -> None:
    key, _ = keyed
    note = cli("log", "checkpoint", "--key", str(key))
    state = key.with_name("log.key.last-checkpoint")
    assert state.read_text() == note
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    _grow(sample_url, "newcomer")
    again = cli("log", "checkpoint", "--key", str(key))
    assert state.read_text() == again != note
    assert [p.name for p in key.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_verify_with_the_key_state_reports_the_latest_checkpoints_deleted(
    cli: Cli, keyed: tuple[Path, str], sample_url: str
) -> None:
    """The database's own checkpoints agree with it once the latest are gone; the
    state file beside the key still knows the last one signed."""
    key, vkey = keyed
    cli("log", "checkpoint", "--key", str(key))
    _grow(sample_url, "newcomer")
    latest = cli("log", "checkpoint", "--key", str(key)).splitlines()[1]
    _delete_checkpoints(sample_url, f"WHERE size = {int(latest)}")
    assert cli("verify", "--vkey", vkey).startswith("OK: ")  # what the database alone says
    state = str(key) + ".last-checkpoint"
    cli("verify", "--vkey", vkey, "--key-state", state, expect=1)
    assert cli.err.splitlines()[0] == (
        f"MISMATCH at {FindingKind.MISSING_CHECKPOINT}: the key last signed a checkpoint of"
        f" size {latest} ({state}); the database does not hold it: its checkpoints were"
        " deleted, or the database was rolled back to an older copy"
    )
    cli("verify", "--key-state", state, expect=2)
    assert "needs the key's verifier key" in cli.err


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite file (its WAL included), as a backup tool makes."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


@pytest.mark.parametrize("grown_by", [0, 1, 2])
def test_a_database_rolled_back_to_an_older_copy_is_never_signed_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], grown_by: int
) -> None:
    """Restored from a copy made before the last checkpoint, then grown differently: the
    same size with another root, a smaller tree, or a larger one that does not extend it."""
    db = tmp_path / "ledger.db"
    cli = Cli(str(db), capsys)
    cli("member", "add", "ana")
    key = tmp_path / "log.key"
    vkey = cli("log", "keygen", "-o", str(key)).strip().splitlines()[-1]
    cli("log", "checkpoint", "--key", str(key))
    _copy_database(db, tmp_path / "backup.db")
    cli("member", "add", "bo")
    cli("log", "checkpoint", "--key", str(key))
    _copy_database(tmp_path / "backup.db", db)
    for n in range(grown_by):
        cli("member", "add", f"mallory{n}")
    cli("log", "checkpoint", "--key", str(key), expect=2)
    assert cli.err.startswith("remix-ledger: error: refusing to sign: the tree ")
    assert "remix-ledger verify --vkey VKEY --key-state" in cli.err
    assert len(cli.err.strip().splitlines()) == 1
    assert cli("verify", "--vkey", vkey).startswith("OK: ")  # the copy agrees with itself
    state = str(key) + ".last-checkpoint"
    cli("verify", "--vkey", vkey, "--key-state", state, expect=1)
    kinds = [line.split(": ")[0] for line in cli.err.splitlines()]
    assert f"MISMATCH at {FindingKind.MISSING_CHECKPOINT}" in kinds
    assert (
        f"MISMATCH at {FindingKind.DELETED_EVENT}" in kinds
        if grown_by == 0
        else f"MISMATCH at {FindingKind.CHECKPOINT_MISMATCH}" in kinds
    )
