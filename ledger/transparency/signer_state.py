"""The last checkpoint a key signed, kept beside the key, outside the database.

The database's own checkpoints cannot catch a database that lies: delete the
latest checkpoints, or roll the file back to an older copy and let it grow
differently, and what is left agrees with itself; the server would then sign a
second, different head of a size it signed before. So the signer keeps the last
checkpoint it signed in a small file of its own beside the key (``KEY.last-checkpoint``,
mode 0600: the signed note itself, which the key's verifier opens), and refuses to
sign a tree that is not an extension of it. ``verify --key-state FILE`` reports a
checkpoint that file knows and the database lost.

What this file cannot see: a database and a state file rolled back together (a
backup of the whole machine restored), or a client shown a fork it never compares.
Only a client or a witness that kept a later checkpoint detects those
(docs/tamper-evidence.md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ledger.domain.errors import LedgerError
from ledger.transparency.notes import NoteError, Verifier, open_note, parse_checkpoint

__all__ = [
    "STATE_SUFFIX",
    "LastSigned",
    "SignerStateError",
    "read_last_signed",
    "state_path_for",
    "write_last_signed",
]

STATE_SUFFIX = ".last-checkpoint"


class SignerStateError(LedgerError):
    """The key's state file cannot be read, or holds no checkpoint its key signed."""


@dataclass(frozen=True)
class LastSigned:
    """The checkpoint a key signed last: its size, root and the signed note."""

    size: int
    root: bytes
    note: str
    path: Path


def state_path_for(key_path: Path | str) -> Path:
    """The state file of the key in ``key_path``: ``KEY.last-checkpoint`` beside it."""
    return Path(f"{key_path}{STATE_SUFFIX}")


def read_last_signed(path: Path, verifiers: Sequence[Verifier]) -> LastSigned | None:
    """The checkpoint in ``path``, checked with ``verifiers``; None when there is no file
    yet (the key has signed nothing since it was given one)."""
    try:
        note = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise SignerStateError(f"cannot read the key's state file {path}: {error}") from None
    try:
        checkpoint = parse_checkpoint(open_note(note, verifiers))
    except NoteError as error:
        raise SignerStateError(
            f"{path} holds no checkpoint signed by this key ({error}); find out who wrote"
            " it before moving it aside"
        ) from None
    return LastSigned(checkpoint.size, checkpoint.root, note, path)


def write_last_signed(path: Path, note: str) -> None:
    """Replace ``path`` with ``note``, atomically: a crash leaves the old file or the new
    one, never a part (a temporary file, fsync, rename, fsync of the folder)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(descriptor, 0o600)  # also when an old temporary file was left
            os.write(descriptor, note.encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        temporary.replace(path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise SignerStateError(
            f"cannot write the key's state file {path}: {error.strerror}"
        ) from None
