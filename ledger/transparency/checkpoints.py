"""Signing the log's head as a C2SP checkpoint, recording it, and the private key's file.

The private key lives in a file of its own (mode 0600), named by ``--key`` or
``REMIX_LEDGER_LOG_KEY``; it is read to sign and never written anywhere else:
the database keeps the signed notes and the signer's *verifier* key only.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

from ledger.errors import LedgerError
from ledger.transparency.notes import (
    NoteError,
    Signer,
    format_checkpoint,
    generate_key,
    parse_signer_key,
    sign_note,
)
from ledger.transparency.store import StoredCheckpoint, TreeStore

__all__ = [
    "KEY_ENV_VAR",
    "CheckpointConflictError",
    "default_origin",
    "read_signer",
    "run_checkpoints",
    "sign_checkpoint",
    "sign_if_grown",
    "write_new_key",
]

KEY_ENV_VAR = "REMIX_LEDGER_LOG_KEY"


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


def read_signer(path: Path | str | None) -> Signer:
    """The signing key in ``path`` (else ``$REMIX_LEDGER_LOG_KEY``'s file)."""
    chosen = path if path is not None else os.environ.get(KEY_ENV_VAR)
    if not chosen:
        raise LedgerError(f"no signing key: pass --key FILE or set {KEY_ENV_VAR}")
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


def sign_checkpoint(store: TreeStore, signer: Signer) -> StoredCheckpoint:
    """Bring the tree up to the log's head, sign that head and record the checkpoint."""
    size = store.catch_up()
    latest = store.latest_checkpoint()
    if latest is not None and (latest.size > size or store.root(latest.size) != latest.root):
        raise CheckpointConflictError(
            f"the tree at size {latest.size} no longer has the root of the checkpoint"
            " signed then; run `remix-ledger verify`"
        )
    root = store.root(size)
    note = sign_note(format_checkpoint(signer.name, size, root), signer)
    return store.record_checkpoint(size, root, note, signer.verifier.vkey)


def sign_if_grown(store: TreeStore, signer: Signer) -> StoredCheckpoint | None:
    """Sign a checkpoint if the log grew since the latest one (or none was signed yet)."""
    size = store.catch_up()
    latest = store.latest_checkpoint()
    if latest is not None and latest.size >= size:
        return None
    return sign_checkpoint(store, signer)


def run_checkpoints(
    store: TreeStore, signer: Signer | None, interval: float, stop: threading.Event
) -> None:
    """Until ``stop`` is set: every ``interval`` seconds, bring the tree up to the log's
    head and, with a signer, sign a checkpoint if the log grew.

    What ``serve`` runs in a thread of its own (without a key it still keeps the
    tiles current).
    """
    while True:
        if signer is None:
            store.catch_up()
        else:
            sign_if_grown(store, signer)
        if stop.wait(interval):
            return
