"""A Tiny Stories ledger built once per test module, and the in-process CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger import open_ledger
from ledger.archive import import_archive

SAMPLE = Path(__file__).resolve().parents[2] / "ledger" / "samples" / "tiny-stories.jsonl"


def build_sample(folder: Path) -> str:
    """Import the sample archive into ``folder/tiny.db``; return its path."""
    path = folder / "tiny.db"
    ledger = open_ledger(str(path))
    with SAMPLE.open(encoding="utf-8") as lines:
        import_archive(ledger, lines, source=str(SAMPLE))
    ledger.close()
    return str(path)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_sample(tmp_path_factory.mktemp("tiny"))
