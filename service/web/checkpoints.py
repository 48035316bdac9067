"""The latest signed checkpoint, as every page shows it: what the log last vouched for.

A checkpoint is the transparency log's signed head (``ledger.transparency``): its
origin, its size (how many events it covers) and its root hash. Each page shows
the latest one in its footer, read with one indexed query through the tree the
server opened (``deps.CheckpointLog``); the audit page also shows the whole signed
note and which of its events that checkpoint covers.

An in-memory ledger has no tree, and a tree may have no checkpoint yet: the page
says so rather than leaving the footer out, so that no one takes its absence for
"verified".
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from enum import StrEnum

from fastapi import Request

from service.web.deps import CheckpointLog, checkpoint_log

__all__ = ["CheckpointState", "LatestCheckpoint", "latest_checkpoint"]

_log = logging.getLogger("remix_ledger.web")


class CheckpointState(StrEnum):
    SIGNED = "signed"
    NONE_YET = "none-yet"  # the tree exists; no checkpoint has been signed over it
    NO_TREE = "no-tree"  # this ledger keeps no tamper-evident log (memory://)
    UNREADABLE = "unreadable"  # reading it failed; the page is shown all the same


@dataclass(frozen=True)
class LatestCheckpoint:
    """The latest checkpoint as a page shows it (``state`` says whether there is one)."""

    state: CheckpointState
    origin: str = ""
    size: int = 0
    root: str = ""  # base64, as the note writes it
    recorded_at: str = ""
    note: str = ""
    vkey: str = ""
    #: The position of the last event the checkpoint covers (read for the audit page only).
    last_position: int | None = None

    def covers(self, position: int) -> bool:
        """Whether the event at ``position`` is in the checkpoint's tree.

        Every event is a leaf and leaves follow positions, so the events covered
        are exactly those at or before the last leaf's position.
        """
        return self.last_position is not None and position <= self.last_position


def latest_checkpoint(request: Request, *, with_last_position: bool = False) -> LatestCheckpoint:
    """The latest signed checkpoint of the server's tree; ``with_last_position`` reads
    also which position it reaches (one more indexed read)."""
    log = checkpoint_log(request)
    if log is None:
        return LatestCheckpoint(CheckpointState.NO_TREE)
    try:
        return _read(log, with_last_position)
    except Exception:
        # A footer must not take the page down with it (nor an error page, which
        # may be shown because the database is failing).
        _log.exception("the latest checkpoint could not be read")
        return LatestCheckpoint(CheckpointState.UNREADABLE)


def _read(log: CheckpointLog, with_last_position: bool) -> LatestCheckpoint:
    stored = log.latest_checkpoint()
    if stored is None:
        return LatestCheckpoint(CheckpointState.NONE_YET)
    last = log.position_of(stored.size - 1) if with_last_position and stored.size else None
    return LatestCheckpoint(
        CheckpointState.SIGNED,
        origin=stored.note.partition("\n")[0],  # a C2SP note's first line
        size=stored.size,
        root=base64.b64encode(stored.root).decode("ascii"),
        recorded_at=stored.recorded_at,
        note=stored.note,
        vkey=stored.vkey,
        last_position=last,
    )
