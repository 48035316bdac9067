"""Making read-model stores for tests, on each backend, cleaned up afterwards."""

from __future__ import annotations

from pathlib import Path

from ledger import Ledger, open_ledger
from projections.opening import open_read_models
from projections.queries import ReadModels
from projections.store import ReadModelStore
from tests.conftest import Databases


def fresh_store(databases: Databases, backend: str) -> ReadModelStore:
    """An empty read-model store on ``backend`` (its own file or schema)."""
    return open_read_models(databases.url(backend))


def ledger_and_models(databases: Databases, backend: str) -> tuple[Ledger, ReadModels]:
    """A fresh ledger and its read models, on one backend."""
    url = databases.url(backend)
    ledger = open_ledger(url)
    return ledger, ReadModels(ledger, open_read_models(url))


def views_file_of(ledger_file: Path) -> Path:
    return ledger_file.with_name(f"{ledger_file.stem}.views{ledger_file.suffix}")
