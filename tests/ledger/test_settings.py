"""The one database setting: every accepted form, and a clear line for every bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger import open_ledger
from ledger.errors import DatabaseSettingError
from ledger.settings import resolve_db_setting


def test_a_bare_path_or_sqlite_url_means_an_sqlite_file() -> None:
    assert resolve_db_setting("data/ledger.db").env["SQLITE_DBNAME"] == "data/ledger.db"
    assert resolve_db_setting("sqlite:///rel.db").env["SQLITE_DBNAME"] == "rel.db"
    assert resolve_db_setting("sqlite:////abs/path.db").env["SQLITE_DBNAME"] == "/abs/path.db"
    assert resolve_db_setting("sqlite:///rel.db").backend == "sqlite"


def test_the_default_is_remix_ledger_db_in_the_working_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REMIX_LEDGER_DB", raising=False)
    assert resolve_db_setting().env["SQLITE_DBNAME"] == "remix-ledger.db"
    monkeypatch.setenv("REMIX_LEDGER_DB", "memory://")
    assert resolve_db_setting().backend == "memory"


def test_a_postgresql_url_maps_onto_the_library_settings() -> None:
    setting = resolve_db_setting("postgresql://ana:s%40cret@db.example:6543/studio?schema=s1")
    assert setting.backend == "postgres"
    assert setting.env["POSTGRES_HOST"] == "db.example"
    assert setting.env["POSTGRES_PORT"] == "6543"
    assert setting.env["POSTGRES_USER"] == "ana"
    assert setting.env["POSTGRES_PASSWORD"] == "s@cret"
    assert setting.env["POSTGRES_DBNAME"] == "studio"
    assert setting.env["POSTGRES_SCHEMA"] == "s1"
    assert setting.env["POSTGRES_ENABLE_DB_FUNCTIONS"] == "n"
    assert "s%40cret" not in setting.redacted_url and "***" in setting.redacted_url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysql://x/y", "unknown scheme"),
        ("sqlite://rel.db", "sqlite:///"),
        ("postgresql://host-only", "DBNAME"),
        ("postgresql://u@h:notaport/db", "port"),
        ("postgresql://u@h/db?colour=red", "unknown option"),
        ("   ", "empty"),
    ],
)
def test_a_malformed_setting_is_one_line_naming_the_setting(url: str, reason: str) -> None:
    with pytest.raises(DatabaseSettingError, match=reason) as caught:
        resolve_db_setting(url)
    assert "REMIX_LEDGER_DB" in str(caught.value) and "\n" not in str(caught.value)


def test_an_unreachable_postgresql_is_one_line_naming_the_setting() -> None:
    with pytest.raises(
        DatabaseSettingError, match=r"REMIX_LEDGER_DB .*cannot open the ledger"
    ) as caught:
        open_ledger("postgresql://nobody:pw@127.0.0.1:9/nothing")
    assert "\n" not in str(caught.value) and "pw@" not in str(caught.value)


def test_an_sqlite_file_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseSettingError, match="does not exist"):
        open_ledger(str(tmp_path / "missing" / "ledger.db"))


def test_an_sqlite_path_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(DatabaseSettingError, match="cannot open the ledger"):
        open_ledger(str(not_a_db))
