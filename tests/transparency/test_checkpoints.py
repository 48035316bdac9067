"""Signing checkpoints: only when the log grew, on a timer for ``serve``, never over a tree
that no longer has the root already signed; the key file and its errors."""

from __future__ import annotations

import logging
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger
from ledger.domain.errors import LedgerError
from ledger.transparency.checkpoints import (
    CheckpointConflictError,
    read_signer,
    run_checkpoints,
    sign_checkpoint,
    sign_if_grown,
    write_new_key,
)
from ledger.transparency.notes import (
    format_checkpoint,
    generate_key,
    open_note,
    parse_checkpoint,
    sign_note,
)
from ledger.transparency.signer_state import SignerStateError, write_last_signed
from ledger.transparency.store import TreeStore
from tests.transparency.conftest import change_stored_leaf


def test_sign_if_grown_signs_only_when_the_log_grew(sample_ledger: Ledger) -> None:
    signer, verifier = generate_key("studio.example/log")
    store = TreeStore(sample_ledger)
    first = sign_if_grown(store, signer)
    assert first is not None and first.size == store.size
    assert sign_if_grown(store, signer) is None
    sample_ledger.register_member(handle="newcomer")
    second = sign_if_grown(store, signer)
    assert second is not None and second.size > first.size
    assert parse_checkpoint(open_note(second.note, [verifier])).root == store.root()
    assert [c.size for c in store.checkpoints()] == [first.size, second.size]


def test_run_checkpoints_signs_on_its_own_until_stopped(sample_ledger: Ledger) -> None:
    signer, _ = generate_key("studio.example/log")
    store = TreeStore(sample_ledger)
    _run_once_without_a_key(store, sample_ledger)
    stop = threading.Event()
    thread = threading.Thread(target=run_checkpoints, args=(store, signer, 0.05, stop))
    thread.start()
    try:
        sample_ledger.register_member(handle="newcomer")
        head = sample_ledger.head
        for _ in range(200):
            latest = store.latest_checkpoint()
            if latest is not None and latest.size == head:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    latest = store.latest_checkpoint()
    assert latest is not None and latest.size == sample_ledger.head


def test_a_tree_that_lost_its_signed_root_is_not_signed_again(sample_ledger: Ledger) -> None:
    signer, _ = generate_key("studio.example/log")
    store = TreeStore(sample_ledger)
    sign_checkpoint(store, signer)
    # The root is read from the stored nodes above full tiles and the leaves of the
    # partial one: change one of those (verify finds a change anywhere).
    change_stored_leaf(store, store.size - 1, bytes(32))
    store.forget()
    with pytest.raises(CheckpointConflictError):
        sign_checkpoint(store, signer)


def test_the_key_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    signer = write_new_key(path, "studio.example/log")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_signer(path).verifier == signer.verifier
    with pytest.raises(LedgerError, match="never overwritten"):
        write_new_key(path, "studio.example/log")


def test_a_bad_key_file_is_named_but_not_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "not-a-key"
    path.write_text("PRIVATE+KEY+secret-looking-text")
    with pytest.raises(LedgerError) as error:
        read_signer(path)
    assert str(path) in str(error.value) and "secret-looking-text" not in str(error.value)
    monkeypatch.delenv("REMIX_LEDGER_LOG_KEY", raising=False)
    with pytest.raises(LedgerError, match="REMIX_LEDGER_LOG_KEY"):
        read_signer(None)
    good = tmp_path / "good.key"
    write_new_key(good, "studio.example/log")
    monkeypatch.setenv("REMIX_LEDGER_LOG_KEY", str(good))
    assert read_signer(None).name == "studio.example/log"


def _run_once_without_a_key(store: TreeStore, ledger: Ledger) -> None:
    """Without a key the loop still keeps the tree current, and signs nothing."""
    stop = threading.Event()
    stop.set()
    run_checkpoints(store, None, 0.01, stop)
    assert store.size == ledger.head
    assert store.checkpoints() == []


def _state_file_ahead(tmp_path: Path, store: TreeStore, signer: Any, by: int) -> Path:
    """A state file whose last checkpoint is ``by`` leaves ahead of the tree (as after
    the database was rolled back)."""
    state = tmp_path / "log.key.last-checkpoint"
    size = store.catch_up()
    write_last_signed(
        state, sign_note(format_checkpoint(signer.name, size + by, bytes(32)), signer)
    )
    return state


def test_serve_logs_a_head_it_refuses_to_sign_and_keeps_the_tree_current(
    sample_ledger: Ledger, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    signer, _ = generate_key("studio.example/log")
    store = TreeStore(sample_ledger)
    state = _state_file_ahead(tmp_path, store, signer, by=3)
    sample_ledger.register_member(handle="newcomer")
    stop = threading.Event()
    stop.set()  # one round, then return
    with caplog.at_level(logging.ERROR, logger="remix_ledger.tlog"):
        run_checkpoints(store, signer, 0.01, stop, state)
    assert store.size == sample_ledger.head and store.checkpoints() == []
    assert "refusing to sign" in caplog.text and str(state) in caplog.text


def test_a_state_file_the_key_did_not_sign_stops_signing(
    sample_ledger: Ledger, tmp_path: Path
) -> None:
    signer, _ = generate_key("studio.example/log")
    other, _ = generate_key("studio.example/log")
    store = TreeStore(sample_ledger)
    state = _state_file_ahead(tmp_path, store, other, by=0)
    with pytest.raises(SignerStateError, match="holds no checkpoint signed by this key"):
        sign_checkpoint(store, signer, state)
    assert store.checkpoints() == []
