"""The one persistence setting: a database URL, mapped onto eventsourcing's environment.

Accepted forms (``--db URL`` or ``REMIX_LEDGER_DB``):

- a file path, or ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``:
  the embedded default, one SQLite file in WAL mode for one writer process;
- ``memory://``: in-memory (plain Python objects), for tests and dry runs;
- ``postgresql://user:password@host:port/dbname[?schema=NAME]``: PostgreSQL, for
  several processes on several machines sharing one ledger.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.errors import DatabaseSettingError

__all__ = ["DEFAULT_DB", "ENV_VAR", "DatabaseSetting", "resolve_db_setting"]

ENV_VAR = "REMIX_LEDGER_DB"
DEFAULT_DB = "./remix-ledger.db"
_SCHEMES = "a file path, sqlite:///PATH, memory:// or postgresql://USER:PASSWORD@HOST:PORT/DBNAME"


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


def resolve_db_setting(url: str | None = None) -> DatabaseSetting:
    """Parse ``url`` (else ``$REMIX_LEDGER_DB``, else ``./remix-ledger.db``)."""
    raw = url if url is not None else os.environ.get(ENV_VAR) or DEFAULT_DB
    text = raw.strip()
    if not text:
        raise DatabaseSettingError(f"{ENV_VAR} / --db is empty; expected {_SCHEMES}")
    if text.startswith("memory:"):
        return DatabaseSetting(text, "memory", {"PERSISTENCE_MODULE": "eventsourcing.popo"})
    if text.startswith(("postgresql:", "postgres:")):
        return _postgres(text)
    if text.startswith("sqlite:"):
        if not text.startswith("sqlite:///"):
            raise DatabaseSettingError(
                f"{ENV_VAR} / --db {raw!r}: SQLite URLs look like sqlite:///relative.db"
                " or sqlite:////absolute/path.db"
            )
        path = text[len("sqlite:///") :]
    elif "://" in text:
        raise DatabaseSettingError(f"{ENV_VAR} / --db {raw!r}: unknown scheme; expected {_SCHEMES}")
    else:
        path = text
    if not path:
        raise DatabaseSettingError(f"{ENV_VAR} / --db {raw!r} names no file")
    return DatabaseSetting(
        text,
        "sqlite",
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(Path(path))},
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
    query = parse_qs(parts.query)
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
    }
    if "schema" in query:
        env["POSTGRES_SCHEMA"] = query["schema"][-1]
    return DatabaseSetting(text, "postgres", env)
