"""The one database setting: every accepted form, and a clear line for every bad one."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest

from ledger import open_ledger
from ledger.adapters.settings import (
    POSTGRES_QUOTED_KEYWORDS,
    check_sqlite_location,
    resolve_db_setting,
)
from ledger.domain.errors import DatabaseSettingError
from tests.conftest import POSTGRES_BASE, Databases, drop_schema, require_postgres


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


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("memory://foo", "exactly memory://"),
        ("memory:", "exactly memory://"),
        ("memory:///", "exactly memory://"),
        ("sqlite://", "in-memory SQLite"),
        ("sqlite:///:memory:", "in-memory SQLite"),
        ("sqlite:///ledger.db?mode=ro", "no options"),
    ],
)
def test_only_the_forms_the_docstring_lists_are_accepted(url: str, reason: str) -> None:
    with pytest.raises(DatabaseSettingError, match=reason):
        resolve_db_setting(url)


def test_sqlite_urls_follow_sqlalchemy_three_slashes_relative_four_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tmp").mkdir()
    relative = resolve_db_setting("sqlite:///tmp/x.db")
    absolute = resolve_db_setting("sqlite:////tmp/x.db")
    assert relative.sqlite_path == Path("tmp/x.db")
    assert absolute.sqlite_path == Path("/tmp/x.db")
    ledger = open_ledger("sqlite:///tmp/x.db")
    ledger.register_member(handle="ana")
    ledger.close()
    assert (tmp_path / "tmp" / "x.db").exists()


def test_the_relative_sqlite_slip_is_named_when_only_the_absolute_folder_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    setting = resolve_db_setting("sqlite:///tmp/x.db")
    with pytest.raises(DatabaseSettingError) as caught:
        check_sqlite_location(setting)
    message = str(caught.value)
    assert "folder 'tmp' does not exist" in message
    assert "sqlite:////tmp/x.db" in message and "\n" not in message


def test_a_setting_that_names_a_folder_says_it_is_a_folder(tmp_path: Path) -> None:
    for url in (str(tmp_path), f"sqlite:///{tmp_path}"):
        with pytest.raises(DatabaseSettingError, match="is a folder; name a ledger file in it"):
            check_sqlite_location(resolve_db_setting(url))
    check_sqlite_location(resolve_db_setting(str(tmp_path / "ledger.db")))  # fine


@pytest.mark.parametrize(
    "schema", ["Bad-Schema", "UPPER", "a%20b", "x%22y", "a;drop", "select", "user", "pg_x", "1st"]
)
def test_a_schema_that_needs_quoting_is_refused_before_anything_is_created(schema: str) -> None:
    """eventsourcing leaves the schema unquoted in one statement; such a name is refused
    by the setting, so the server never sees it (today: created, then a syntax error)."""
    require_postgres()
    name = unquote(schema)
    url = f"{POSTGRES_BASE}?schema={schema}"
    with pytest.raises(DatabaseSettingError, match="not a plain PostgreSQL name"):
        open_ledger(url)
    import psycopg

    with psycopg.connect(POSTGRES_BASE) as connection:
        found = connection.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = %s", (name,)
        ).fetchone()
    drop_schema(name)
    assert found == (0,)


def test_every_word_the_server_would_quote_is_refused_as_a_schema() -> None:
    require_postgres()
    import psycopg

    with psycopg.connect(POSTGRES_BASE) as connection:
        words = [
            row[0]
            for row in connection.execute(
                "SELECT word FROM pg_get_keywords() WHERE quote_ident(word) <> word"
            )
        ]
    assert words
    assert set(words) <= POSTGRES_QUOTED_KEYWORDS


def test_a_plain_schema_is_accepted_and_used(databases: Databases) -> None:
    url = databases.url("postgres")
    ledger = open_ledger(url)
    ledger.register_member(handle="ana")
    assert ledger.head == 2
    ledger.close()


def test_open_ledger_gives_the_same_location_messages_as_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(DatabaseSettingError, match="is a folder; name a ledger file in it"):
        open_ledger(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatabaseSettingError, match=r"relative; for '/tmp/x\.db' write"):
        open_ledger("sqlite:///tmp/x.db")


def test_the_read_only_error_lives_with_the_other_errors() -> None:
    from ledger.adapters import read_only
    from ledger.domain import errors

    assert read_only.ReadOnlyLedgerError is errors.ReadOnlyLedgerError
    assert issubclass(errors.ReadOnlyLedgerError, errors.LedgerError)
