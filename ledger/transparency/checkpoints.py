"""Signing the log's head as a C2SP checkpoint, recording it, and the private key's file.

The private key lives in a file of its own (mode 0600), named by ``--key`` or
``REMIX_LEDGER_LOG_KEY``; it is read to sign and never written anywhere else:
the database keeps the signed notes and the signer's *verifier* key only. Beside
the key, ``KEY.last-checkpoint`` keeps the last checkpoint it signed
(``ledger.transparency.signer_state``), and a head that does not extend it is
never signed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from ledger.domain.errors import LedgerError
from ledger.transparency.merkle import consistency_proof
from ledger.transparency.notes import (
    NoteError,
    Signer,
    format_checkpoint,
    generate_key,
    parse_signer_key,
    sign_note,
)
from ledger.transparency.proofs import ProofError, verify_consistency
from ledger.transparency.signer_state import (
    LastSigned,
    SignerStateError,
    read_last_signed,
    state_path_for,
    write_last_signed,
)
from ledger.transparency.store import StoredCheckpoint, TreeStore

__all__ = [
    "KEY_ENV_VAR",
    "CheckpointConflictError",
    "LogKey",
    "default_origin",
    "read_log_key",
    "read_signer",
    "run_checkpoints",
    "sign_checkpoint",
    "sign_if_grown",
    "write_new_key",
]

KEY_ENV_VAR = "REMIX_LEDGER_LOG_KEY"
_log = logging.getLogger("remix_ledger.tlog")
_INVESTIGATE = (
    "run `remix-ledger verify --vkey VKEY --key-state {state}` and compare the database"
    " with its backups and with the checkpoints clients and witnesses hold; do not sign"
    " until the cause is known"
)


class CheckpointConflictError(LedgerError):
    """The tree no longer agrees with a checkpoint already signed: signing again would
    sign two inconsistent heads."""


def default_origin() -> str:
    """``<host name>/remix-ledger``: a key name (and checkpoint origin) without spaces or '+'."""
    host = "".join(c for c in socket.gethostname() if not c.isspace() and c != "+")
    return f"{host or 'localhost'}/remix-ledger"


def write_new_key(path: Path, origin: str) -> Signer:
    """Generate a key named ``origin`` and write it to a new file readable by its owner only."""
    signer, _ = generate_key(origin)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise LedgerError(f"{path} exists already; a key file is never overwritten") from None
    except OSError as error:
        raise LedgerError(f"cannot write the key to {path}: {error.strerror}") from None
    with os.fdopen(descriptor, "w") as file:
        file.write(signer.skey + "\n")
    return signer


@dataclass(frozen=True)
class LogKey:
    """A signing key and its state file (the last checkpoint it signed)."""

    signer: Signer
    state: Path


def read_log_key(path: Path | str | None) -> LogKey:
    """The signing key in ``path`` (else ``$REMIX_LEDGER_LOG_KEY``'s file), with the
    state file beside it."""
    chosen = _key_path(path)
    return LogKey(read_signer(chosen), state_path_for(chosen))


def _key_path(path: Path | str | None) -> str:
    chosen = path if path is not None else os.environ.get(KEY_ENV_VAR)
    if not chosen:
        raise LedgerError(f"no signing key: pass --key FILE or set {KEY_ENV_VAR}")
    return str(chosen)


def read_signer(path: Path | str | None) -> Signer:
    """The signing key in ``path`` (else ``$REMIX_LEDGER_LOG_KEY``'s file)."""
    chosen = _key_path(path)
    try:
        text = Path(chosen).read_text(encoding="utf-8")
    except OSError as error:
        raise LedgerError(f"cannot read the key file {chosen}: {error.strerror}") from None
    except UnicodeDecodeError:
        # A picture, a binary: a key file is one line of text.
        raise LedgerError(f"{chosen} is not a signing key: it is not text") from None
    try:
        return parse_signer_key(text)
    except NoteError as error:
        # The message names the file, never its content.
        raise LedgerError(f"{chosen} is not a signing key: {error}") from None


def sign_checkpoint(
    store: TreeStore, signer: Signer, state: Path | None = None
) -> StoredCheckpoint:
    """Bring the tree up to the log's head, sign that head and record the checkpoint.

    With the key's ``state`` file: refuse unless the head extends the last checkpoint
    the key signed (which the database may have lost), and keep the new one there.
    """
    size = store.catch_up()
    latest = store.latest_checkpoint()
    if latest is not None and (latest.size > size or store.root(latest.size) != latest.root):
        raise CheckpointConflictError(
            f"the tree at size {latest.size} no longer has the root of the checkpoint"
            " signed then; run `remix-ledger verify`"
        )
    root = store.root(size)
    if state is not None:
        last = read_last_signed(state, [signer.verifier])
        if last is not None:
            _check_extends(store, last, size, root)
    note = sign_note(format_checkpoint(signer.name, size, root), signer)
    # The database first: a crash between the two leaves the state file behind, which
    # the next head still extends; the other order would leave it ahead of the database.
    recorded = store.record_checkpoint(size, root, note, signer.verifier.vkey)
    if state is not None:
        write_last_signed(state, note)
    return recorded


def _check_extends(store: TreeStore, last: LastSigned, size: int, root: bytes) -> None:
    """Raise unless the tree of ``size`` leaves (``root``) extends ``last``."""
    how = _INVESTIGATE.format(state=last.path)
    if last.size == 0:
        return  # every tree extends the empty one
    if size < last.size:
        raise CheckpointConflictError(
            f"refusing to sign: the tree has {size} leaves, but this key last signed a"
            f" checkpoint of size {last.size} ({last.path}): events were deleted or the"
            f" database was rolled back to an older copy; {how}"
        )
    try:
        proof = [] if size == last.size else consistency_proof(store, last.size, size)
        verify_consistency(last.size, size, last.root, root, proof)
    except ProofError:
        raise CheckpointConflictError(
            f"refusing to sign: the tree of {size} leaves does not extend the checkpoint of"
            f" size {last.size} this key last signed ({last.path}): the first {last.size}"
            f" events changed, or the database was rolled back and grew differently; {how}"
        ) from None


def sign_if_grown(
    store: TreeStore, signer: Signer, state: Path | None = None
) -> StoredCheckpoint | None:
    """Sign a checkpoint if the log grew since the latest one (or none was signed yet)."""
    size = store.catch_up()
    latest = store.latest_checkpoint()
    if latest is not None and latest.size >= size:
        return None
    return sign_checkpoint(store, signer, state)


def run_checkpoints(
    store: TreeStore,
    signer: Signer | None,
    interval: float,
    stop: threading.Event,
    state: Path | None = None,
) -> None:
    """Until ``stop`` is set: every ``interval`` seconds, bring the tree up to the log's
    head and, with a signer, sign a checkpoint if the log grew.

    What ``serve`` runs in a thread of its own (without a key it still keeps the
    tiles current). A head it refuses to sign is logged (once for each reason) and
    the tree is still kept current.
    """
    refused: str | None = None
    while True:
        if signer is None:
            store.catch_up()
        else:
            try:
                sign_if_grown(store, signer, state)
                refused = None
            except (CheckpointConflictError, SignerStateError) as error:
                if str(error) != refused:
                    _log.error("%s", error)
                    refused = str(error)
        if stop.wait(interval):
            return
