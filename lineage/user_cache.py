"""The user's own cache folder, and the secret key in it that authenticates snapshots.

The folder is ``$XDG_CACHE_HOME/remix-ledger`` (``~/.cache/remix-ledger`` when that
variable is unset, empty or relative, as the XDG base directory specification says),
created with mode 0700. The key is 32 random bytes in ``snapshot.key`` there, created
with mode 0600. It never sits beside a ledger: a ledger folder received from someone
else brings its own files, never this user's key.

A key file that another user owns, that the group or others may read or write, or that
is not a regular file of 32 bytes, is refused rather than repaired: someone else may
have put it there, or read it. Without a usable key there is simply no snapshot.
"""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
from pathlib import Path

__all__ = ["KEY_BYTES", "KEY_NAME", "cache_folder", "private_folder", "snapshot_key"]

KEY_NAME = "snapshot.key"
KEY_BYTES = 32
_PRIVATE_FOLDER = 0o700


def cache_folder() -> Path | None:
    """``$XDG_CACHE_HOME/remix-ledger``, else ``~/.cache/remix-ledger``; None when the
    user has no home to put it in. Nothing is created here."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not base or not Path(base).is_absolute():
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no HOME and no passwd entry
            return None
    return Path(base) / "remix-ledger"


def private_folder(path: Path) -> bool:
    """Create ``path`` (mode 0700) if missing; True when it is then a folder of this user's."""
    try:
        path.mkdir(mode=_PRIVATE_FOLDER, parents=True, exist_ok=True)
        found = path.stat()
    except OSError:
        return False
    return stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid()


def snapshot_key(*, create: bool) -> bytes | None:
    """This user's snapshot key; made first when missing and ``create`` is set.

    None when there is no usable key: none yet (and ``create`` unset), a cache folder
    that cannot be made, or a key file refused (see the module docstring).
    """
    folder = cache_folder()
    if folder is None:
        return None
    path = folder / KEY_NAME
    key = _read_key(path)
    try:
        absent = not path.exists()
    except OSError:  # a cache folder this user cannot look into (another user's $HOME)
        return key
    if key is None and create and absent and private_folder(folder):
        _write_key(path)
        key = _read_key(path)
    return key


def _read_key(path: Path) -> bytes | None:
    # O_NOFOLLOW: a symbolic link put in place of the key is refused, not followed.
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(handle, "rb") as file:
        found = os.fstat(file.fileno())
        if (
            not stat.S_ISREG(found.st_mode)
            or found.st_uid != os.getuid()
            or found.st_mode & 0o077
            or found.st_size != KEY_BYTES
        ):
            return None
        key = file.read(KEY_BYTES + 1)
    return key if len(key) == KEY_BYTES else None


def _write_key(path: Path) -> None:
    """Write a fresh key, whole, or leave the one another process wrote first."""
    try:
        # mkstemp creates the file with mode 0600; linked into place only once written,
        # so no reader ever sees a partial key, and a key already there stays.
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=".snapshot-key-")
    except OSError:
        return
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(secrets.token_bytes(KEY_BYTES))
            file.flush()
            os.fsync(file.fileno())
        os.link(temporary, path)
    except OSError:  # FileExistsError included: another process's key is as good
        pass
    finally:
        temporary.unlink(missing_ok=True)
