"""The ``log`` commands and ``verify``, run as a user runs them."""

from __future__ import annotations

import json
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
