"""A ledger opened for reading only answers queries and refuses every write, untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger import open_ledger
from ledger.adapters.read_only import open_read_only_ledger, unwritable_reason
from ledger.adapters.settings import resolve_db_setting
from ledger.domain.errors import DatabaseSettingError, ReadOnlyLedgerError


def test_a_read_only_sqlite_ledger_reads_and_refuses_writes_with_the_reason(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    writer = open_ledger(str(path))
    ana = writer.register_member(handle="ana").id
    writer.close()
    before = path.read_bytes()
    reader = open_read_only_ledger(resolve_db_setting(str(path)), "an archived copy")
    assert reader.find_member("ana") == ana and reader.head == 2
    for write in (
        lambda: reader.register_member(handle="bo"),
        lambda: reader.contribute(title="T", authors=[ana]),
    ):
        with pytest.raises(ReadOnlyLedgerError, match=r"^an archived copy$"):
            write()
    assert reader.head == 2
    reader.close()
    assert path.read_bytes() == before


def test_a_read_only_memory_ledger_stays_empty() -> None:
    reader = open_read_only_ledger(resolve_db_setting("memory://"), "nothing is kept")
    with pytest.raises(ReadOnlyLedgerError, match="nothing is kept"):
        reader.register_member(handle="ana")
    assert reader.head == 0


def test_reading_a_missing_sqlite_file_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(DatabaseSettingError, match="there is no ledger at"):
        open_read_only_ledger(resolve_db_setting(str(tmp_path / "none.db")), "read-only")
    assert list(tmp_path.iterdir()) == []


def test_a_file_this_process_can_write_has_no_reason_to_be_read_only(tmp_path: Path) -> None:
    assert unwritable_reason(tmp_path / "new.db") is None
    (tmp_path / "old.db").write_bytes(b"")
    assert unwritable_reason(tmp_path / "old.db") is None
