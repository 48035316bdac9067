"""Shared fixtures: a ledger on each backend, and the Hypothesis profiles.

PostgreSQL tests run against the real server named by REMIX_LEDGER_TEST_POSTGRES
(default postgresql://postgres@127.0.0.1:5432/test), each in a fresh schema that
is dropped afterwards. Where the server is down they skip with the reason, except
under CI (CI=true), where a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ledger import Ledger, open_ledger

settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "thorough")
)

POSTGRES_BASE = os.environ.get(
    "REMIX_LEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["memory", "sqlite", "postgres"]


def _postgres_problem() -> str | None:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_BASE, connect_timeout=3):
            return None
    except Exception as error:
        return f"PostgreSQL at {POSTGRES_BASE} is not reachable: {error}"


_PG_PROBLEM: str | None = None
_PG_CHECKED = False


def require_postgres() -> None:
    """Skip (or, under CI, fail) when the PostgreSQL server is not there."""
    global _PG_CHECKED, _PG_PROBLEM
    if not _PG_CHECKED:
        _PG_PROBLEM = _postgres_problem()
        _PG_CHECKED = True
    if _PG_PROBLEM is not None:
        if os.environ.get("CI"):
            pytest.fail(_PG_PROBLEM)
        pytest.skip(_PG_PROBLEM)


def drop_schema(schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(POSTGRES_BASE, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )


class Databases:
    """Makes fresh database URLs for one test, and cleans them up afterwards."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.schemas: list[str] = []
        self.count = 0

    def url(self, backend: str) -> str:
        self.count += 1
        if backend == "memory":
            return "memory://"
        if backend == "sqlite":
            return str(self.tmp_path / f"ledger-{self.count}.db")
        require_postgres()
        schema = f"rl_test_{uuid.uuid4().hex[:12]}"
        self.schemas.append(schema)
        separator = "&" if "?" in POSTGRES_BASE else "?"
        return f"{POSTGRES_BASE}{separator}schema={schema}"

    def cleanup(self) -> None:
        for schema in self.schemas:
            drop_schema(schema)


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[Databases]:
    made = Databases(tmp_path)
    yield made
    made.cleanup()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ledger_url(backend: str, databases: Databases) -> str:
    return databases.url(backend)


@pytest.fixture
def any_ledger(ledger_url: str) -> Iterator[Ledger]:
    """A fresh, empty ledger on each backend in turn."""
    opened = open_ledger(ledger_url)
    yield opened
    opened.close()


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    """A fresh in-memory ledger, for rules that do not depend on the backend."""
    opened = open_ledger("memory://")
    yield opened
    opened.close()


SAMPLE = Path(__file__).resolve().parents[1] / "ledger" / "samples" / "tiny-stories.jsonl"
