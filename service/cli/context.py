"""What every sub-command shares: the database setting, the open ledger, output helpers."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import typer

from ledger import Ledger, open_ledger
from ledger.adapters.existence import names_a_ledger
from ledger.adapters.read_only import open_full_ledger, open_read_only_ledger, unwritable_reason
from ledger.adapters.settings import DatabaseSetting, check_sqlite_location, resolve_db_setting
from ledger.domain.errors import DatabaseSettingError, StorageFullError
from ledger.domain.values import parse_time
from projections.mail_store import MailDatabase
from projections.notification_follower import follow_notifications
from projections.opening import open_read_models
from projections.queries import ReadModels

if TYPE_CHECKING:
    from lineage.graph import LineageGraph

__all__ = ["CliState", "Format", "emit_json", "parse_when", "recording", "state_of"]


class Format(StrEnum):
    text = "text"
    json = "json"


# Why a ledger in memory records nothing from the command line.
MEMORY_REFUSAL = (
    "memory:// keeps a ledger only inside one process, so what this command records"
    " would be lost when it exits; give --db a file path or a postgresql:// URL"
)


class CliState:
    """The ledger named by ``--db``, opened on first use and closed at exit.

    Whether a command records is known in one place: the ledger itself. A ledger
    whose writes could not be kept is opened for reading only, so queries work and
    the first write of a recording command is refused with one line saying why
    (``ledger.read_only``): ``memory://`` (it ends with the process) and an SQLite
    file this user cannot write (an archived copy, a read-only mount).
    """

    current: ClassVar[CliState | None] = None

    def __init__(self, db: str | None) -> None:
        self.db = db
        self._ledger: Ledger | None = None
        self._read_models: ReadModels | None = None
        self._mail: MailDatabase | None = None
        self._lineage: LineageGraph | None = None
        # Why the opened ledger refuses writes (None: it records); set by ``ledger``.
        self.refusal: str | None = None
        # Set by ``recording``: this command may create the ledger.
        self.records = False
        # The SQLite file this command created (None: it existed, or is not SQLite).
        self.created: Path | None = None
        self._there_before: set[Path] = set()
        CliState.current = self

    @property
    def setting(self) -> DatabaseSetting:
        """The parsed ``--db`` (parsed again on each use: cheap, and never stale)."""
        return resolve_db_setting(self.db)

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            setting = self.setting
            check_sqlite_location(setting)
            if not self.records and not names_a_ledger(setting):
                raise DatabaseSettingError(no_ledger_message(setting))
            path = setting.sqlite_path
            if path is not None and not path.exists():
                self.created = path
                self._there_before = set(path.parent.iterdir())
            self.refusal = _refusal(setting)
            if self.refusal is None:
                try:
                    self._ledger = open_ledger(self.db)
                except StorageFullError as full:
                    # Queries still answer; the first write fails with the reason.
                    self.refusal = str(full)
                    self._ledger = open_full_ledger(setting, full)
                self._ledger.policy_check = _check_policy_choice
            else:
                self._ledger = open_read_only_ledger(setting, self.refusal)
        return self._ledger

    @property
    def lineage(self) -> LineageGraph:
        """The lineage graph on first use: from its snapshot beside an SQLite ledger
        (``lineage.snapshot``), caught up with the log, else built from the log."""
        if self._lineage is None:
            # Imported here: only the lineage commands pay for NetworkX.
            from lineage.snapshot import open_lineage, snapshot_path_for

            path = snapshot_path_for(self.setting)
            self._lineage = open_lineage(self.ledger, path)
        return self._lineage

    @property
    def read_models(self) -> ReadModels:
        if self._read_models is None:
            self._read_models = ReadModels(self.ledger, open_read_models(self.setting))
            if self.refusal is None:
                self._mail = follow_notifications(self._read_models, self.setting)
        return self._read_models

    def recording(self) -> Ledger:
        """The ledger for a command that records: created if it does not exist yet."""
        self.records = True
        return self.ledger

    def discard_if_empty(self) -> None:
        """Remove the ledger this command created if it recorded nothing into it.

        A failed import leaves no empty ledger behind: the file, its write-ahead log,
        its views and lineage snapshot (every file named after it that appeared
        since it was opened). A file that was there before is never touched.
        """
        created = self.created
        if created is None or self._ledger is None or self._ledger.head:
            return
        self.close()
        for file in set(created.parent.iterdir()) - self._there_before:
            if _named_after(file.name, created):
                file.unlink(missing_ok=True)
        self.created = None

    def close(self) -> None:
        if self._mail is not None:
            self._mail.close()
            self._mail = None
        if self._read_models is not None:
            self._read_models.store.close()
            self._read_models = None
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None


def _named_after(name: str, ledger_path: Path) -> bool:
    """``new.db``, ``new.db-wal``, ``new.views.db``, ``new.lineage.pickle`` for ``new.db``."""
    own = ledger_path.name
    return name == own or name.startswith((f"{own}-", f"{own}.", f"{ledger_path.stem}."))


def no_ledger_message(setting: DatabaseSetting) -> str:
    path = setting.sqlite_path
    where = repr(str(path)) if path is not None else f"{setting.redacted_url!r} (no events table)"
    return (
        f"no ledger at {where}; a query never creates one:"
        " `remix-ledger demo`, `import` or a recording command makes one"
    )


def _refusal(setting: DatabaseSetting) -> str | None:
    """Why this process cannot record into the ledger ``setting`` names (None: it can)."""
    if setting.backend == "memory":
        return MEMORY_REFUSAL
    path = setting.sqlite_path
    why = None if path is None else unwritable_reason(path)
    return (
        None
        if why is None
        else f"cannot record: {why}; queries work, recording needs a copy you can write"
    )


def state_of(ctx: typer.Context) -> CliState:
    state = ctx.find_object(CliState)
    assert state is not None
    return state


def recording(ctx: typer.Context) -> Ledger:
    """The ledger for a recording command (``CliState.recording``)."""
    return state_of(ctx).recording()


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def parse_when(value: str | None) -> Any:
    """An optional ``--at`` time (RFC 3339); None means now."""
    return None if value is None else parse_time(value, "--at")


def _check_policy_choice(name: str, params: Mapping[str, str], weights: Sequence[str]) -> str:
    """``lineage.policies.check_policy_choice``, imported when a policy is chosen (it loads
    the lineage graph's modules, NetworkX among them, which other commands never need)."""
    from lineage.policies import check_policy_choice

    return check_policy_choice(name, params, weights)
