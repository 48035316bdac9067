"""What every sub-command shares: the database setting, the open ledger, output helpers."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any, ClassVar

import typer

from ledger import Ledger, open_ledger
from ledger.settings import resolve_db_setting
from ledger.values import parse_time
from lineage.graph import LineageGraph
from lineage.snapshot import open_lineage, snapshot_path_for
from projections.opening import open_read_models
from projections.queries import ReadModels

__all__ = ["CliState", "Format", "emit_json", "parse_when", "state_of"]


class Format(StrEnum):
    text = "text"
    json = "json"


class CliState:
    """The ledger named by ``--db``, opened on first use and closed at exit."""

    current: ClassVar[CliState | None] = None

    def __init__(self, db: str | None) -> None:
        self.db = db
        self._ledger: Ledger | None = None
        self._read_models: ReadModels | None = None
        self._lineage: LineageGraph | None = None
        CliState.current = self

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            self._ledger = open_ledger(self.db)
        return self._ledger

    @property
    def lineage(self) -> LineageGraph:
        """The lineage graph on first use: from its snapshot beside an SQLite ledger
        (``lineage.snapshot``), caught up with the log, else built from the log."""
        if self._lineage is None:
            path = snapshot_path_for(resolve_db_setting(self.db))
            self._lineage = open_lineage(self.ledger, path)
        return self._lineage

    @property
    def read_models(self) -> ReadModels:
        if self._read_models is None:
            self._read_models = ReadModels(self.ledger, open_read_models(self.db))
        return self._read_models

    def close(self) -> None:
        if self._read_models is not None:
            self._read_models.store.close()
            self._read_models = None
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None


def state_of(ctx: typer.Context) -> CliState:
    state = ctx.find_object(CliState)
    assert state is not None
    return state


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def parse_when(value: str | None) -> Any:
    """An optional ``--at`` time (RFC 3339); None means now."""
    return None if value is None else parse_time(value, "--at")
