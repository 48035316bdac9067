"""The sample ledgers of the transparency tests, on SQLite and PostgreSQL."""

from tests.transparency.conftest import sample_ledger, sample_url, sql_backend

__all__ = ["sample_ledger", "sample_url", "sql_backend"]
