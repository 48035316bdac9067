"""The one persistence setting: a database URL, mapped onto eventsourcing's environment.

Accepted forms (``--db URL`` or ``REMIX_LEDGER_DB``):

- a file path (taken as it is, relative to the working folder or absolute), or an
  SQLite URL in SQLAlchemy's convention: the file name is everything after the
  third slash, so ``sqlite:///data/ledger.db`` is the *relative* path
  ``data/ledger.db`` and ``sqlite:////srv/ledger.db`` (four slashes) the absolute
  path ``/srv/ledger.db``. SQLAlchemy's in-memory forms (``sqlite://``,
  ``sqlite:///:memory:``) and query options are refused. One SQLite file in WAL
  mode, for one writer process;
- ``memory://``, exactly: in-memory (plain Python objects), for tests and dry runs;
- ``postgresql://user:password@host:port/dbname[?schema=NAME]``: PostgreSQL, for
  several processes on several machines sharing one ledger. ``NAME`` must be a
  name PostgreSQL takes without quotes (lower-case letters, digits and ``_``, not
  a keyword): eventsourcing writes the schema into some statements unquoted.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.domain.errors import DatabaseSettingError

__all__ = [
    "BUSY_TIMEOUT_ENV",
    "DEFAULT_DB",
    "ENV_VAR",
    "MEMORY_URL",
    "DatabaseSetting",
    "busy_timeout_seconds",
    "check_sqlite_location",
    "resolve_db_setting",
]

ENV_VAR = "REMIX_LEDGER_DB"
BUSY_TIMEOUT_ENV = "REMIX_LEDGER_BUSY_TIMEOUT"
_DEFAULT_BUSY_TIMEOUT = 5
#: The recorders that keep the transparency log's tree in the events' own
#: transactions (topics, not imports: this module stays a leaf).
SQLITE_RECORDER_TOPIC = "ledger.transparency.recorders:TreeKeepingSQLiteRecorder"
POSTGRES_RECORDER_TOPIC = "ledger.transparency.postgres_recorder:TreeKeepingPostgresRecorder"
DEFAULT_DB = "./remix-ledger.db"
MEMORY_URL = "memory://"
_SCHEMES = "a file path, sqlite:///PATH, memory:// or postgresql://USER:PASSWORD@HOST:PORT/DBNAME"
_SQLITE_PREFIX = "sqlite:///"

# A schema PostgreSQL takes without quotes. eventsourcing 9.5 quotes the schema in
# most statements but not where it looks up its composite type
# (``CompositeInfo.fetch(conn, f"{schema}.{name}")``), so any other name fails
# there after the schema has been created: refused here, before anything is.
_PLAIN_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# The words ``quote_ident`` quotes: PostgreSQL 15's ``SELECT word FROM pg_get_keywords()
# WHERE quote_ident(word) <> word``, plus words newer versions reserve (the json_*
# family, merge_action, system_user), so a newer server is covered too. A test
# checks the list against the live server.
_QUOTED_KEYWORDS = """
    all analyse analyze and any array as asc asymmetric authorization between bigint
    binary bit boolean both case cast char character check coalesce collate collation
    column concurrently constraint create cross current_catalog current_date
    current_role current_schema current_time current_timestamp current_user dec
    decimal default deferrable desc distinct do else end except exists extract false
    fetch float for foreign freeze from full grant greatest group grouping having
    ilike in initially inner inout int integer intersect interval into is isnull join
    json json_array json_arrayagg json_exists json_object json_objectagg json_query
    json_scalar json_serialize json_table json_value lateral leading least left like
    limit localtime localtimestamp merge_action national natural nchar none normalize
    not notnull null nullif numeric offset on only or order out outer overlaps overlay
    placing position precision primary real references returning right row select
    session_user setof similar smallint some substring symmetric system_user table
    tablesample then time timestamp to trailing treat trim true union unique user using
    values varchar variadic verbose when where window with xmlattributes xmlconcat
    xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize
    xmltable
"""
POSTGRES_QUOTED_KEYWORDS = frozenset(_QUOTED_KEYWORDS.split())


def busy_timeout_seconds() -> int:
    """How long a write waits for another writer's lock (``REMIX_LEDGER_BUSY_TIMEOUT``)."""
    raw = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    if not raw:
        return _DEFAULT_BUSY_TIMEOUT
    if not raw.isdigit() or int(raw) < 1:
        raise DatabaseSettingError(
            f"{BUSY_TIMEOUT_ENV} {raw!r}: expected a whole number of seconds, at least 1"
        )
    return int(raw)


@dataclass(frozen=True)
class DatabaseSetting:
    """A parsed database URL: which backend, and the eventsourcing environment for it."""

    url: str
    backend: str  # "sqlite", "memory" or "postgres"
    env: dict[str, str]

    @property
    def redacted_url(self) -> str:
        """The URL with any password replaced, fit for messages and logs."""
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file (None for the other backends)."""
        return Path(self.env["SQLITE_DBNAME"]) if self.backend == "sqlite" else None


def resolve_db_setting(url: str | None = None) -> DatabaseSetting:
    """Parse ``url`` (else ``$REMIX_LEDGER_DB``, else ``./remix-ledger.db``)."""
    raw = url if url is not None else os.environ.get(ENV_VAR) or DEFAULT_DB
    text = raw.strip()
    if not text:
        raise DatabaseSettingError(f"{ENV_VAR} / --db is empty; expected {_SCHEMES}")
    if text.startswith("memory:"):
        if text != MEMORY_URL:
            raise DatabaseSettingError(
                f"{ENV_VAR} / --db {raw!r}: the in-memory ledger is written exactly {MEMORY_URL}"
            )
        return DatabaseSetting(text, "memory", {"PERSISTENCE_MODULE": "eventsourcing.popo"})
    if text.startswith(("postgresql:", "postgres:")):
        return _postgres(text)
    if text.startswith("sqlite:"):
        path = _sqlite_url_path(text, raw)
    elif "://" in text:
        raise DatabaseSettingError(f"{ENV_VAR} / --db {raw!r}: unknown scheme; expected {_SCHEMES}")
    else:
        path = text
    if not path:
        raise DatabaseSettingError(f"{ENV_VAR} / --db {raw!r} names no file")
    return DatabaseSetting(
        text,
        "sqlite",
        {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(Path(path)),
            # Each event's Merkle leaf is written in the event's own transaction
            # (ledger.transparency.recorders): the tamper-evident tree is kept as the
            # log is, for a fraction of what a follower reading every event back costs.
            "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER_TOPIC,
            # A locked database fails as busy after this long, not the library's 5 s.
            "SQLITE_LOCK_TIMEOUT": str(busy_timeout_seconds()),
        },
    )


def _sqlite_url_path(text: str, raw: str) -> str:
    """The file an ``sqlite:`` URL names, by SQLAlchemy's rule: all after the third slash."""
    if text in ("sqlite:", "sqlite://", "sqlite:///:memory:"):
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db {raw!r}: an in-memory SQLite database would vanish with"
            f" this process; use {MEMORY_URL} for that, or name a file"
        )
    if not text.startswith(_SQLITE_PREFIX):
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db {raw!r}: SQLite URLs look like sqlite:///relative.db"
            " or sqlite:////absolute/path.db"
        )
    path = text[len(_SQLITE_PREFIX) :]
    if "?" in path:
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db {raw!r}: SQLite URLs take no options here; give the file alone"
        )
    return path


def check_sqlite_location(setting: DatabaseSetting) -> None:
    """Refuse an SQLite setting that names a folder, or a file in a folder that is missing.

    The relative ``sqlite:///tmp/x.db`` is a classic slip for ``sqlite:////tmp/x.db``:
    when only the absolute reading names an existing folder, the message says so.
    """
    path = setting.sqlite_path
    if path is None:
        return
    if path.is_dir():
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db {setting.url!r}: {str(path)!r} is a folder; name a ledger"
            f" file in it, e.g. {str(path / 'remix-ledger.db')!r}"
        )
    folder = path.parent
    if folder.is_dir():
        return
    hint = ""
    if setting.url.startswith(_SQLITE_PREFIX) and not path.is_absolute():
        absolute = Path("/") / path
        if absolute.parent.is_dir():
            hint = (
                f" (sqlite:/// with three slashes is relative; for {str(absolute)!r}"
                f" write sqlite:///{absolute})"
            )
    raise DatabaseSettingError(
        f"{ENV_VAR} / --db {setting.url!r}: folder {str(folder)!r} does not exist{hint}"
    )


def _postgres(text: str) -> DatabaseSetting:
    parts = urlsplit(text)
    try:
        port = parts.port or 5432
    except ValueError:
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db: the port in {text!r} is not a number"
        ) from None
    dbname = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not dbname:
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db {text!r}: expected postgresql://USER:PASSWORD@HOST:PORT/DBNAME"
        )
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = set(query) - {"schema"}
    if unknown:
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db: unknown option(s) {', '.join(sorted(unknown))};"
            " only 'schema' is known"
        )
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        # Several API processes share one ledger; keep the pool modest per process.
        "POSTGRES_POOL_SIZE": "5",
        # Kept off on purpose: the library's insert function can interleave
        # notification ids under concurrent writers (see DESIGN.md).
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        # As for SQLite: each event's Merkle leaf in the event's own transaction, under
        # the table lock the library takes for every insert (ledger.transparency.recorders).
        "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER_TOPIC,
        # A write waiting for a lock fails as busy (lock_not_available) after this long.
        "POSTGRES_LOCK_TIMEOUT": str(busy_timeout_seconds()),
    }
    if "schema" in query:
        env["POSTGRES_SCHEMA"] = _plain_schema(query["schema"][-1])
    return DatabaseSetting(text, "postgres", env)


def _plain_schema(schema: str) -> str:
    plain = _PLAIN_SCHEMA.fullmatch(schema) and not schema.startswith("pg_")
    if plain and schema not in POSTGRES_QUOTED_KEYWORDS:
        return schema
    raise DatabaseSettingError(
        f"{ENV_VAR} / --db: schema {schema!r} is not a plain PostgreSQL name; use 1-63"
        " lower-case letters, digits and '_', not starting with a digit or 'pg_',"
        " and not an SQL keyword"
    )
