"""Each read-model store passes the eventsourcing library's own tracking-recorder tests."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from eventsourcing.postgres import PostgresFactory
from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.tests import persistence as library
from eventsourcing.utils import Environment

from ledger.adapters.settings import resolve_db_setting
from projections.memory_store import MemoryReadModels
from projections.postgres_store import PostgresReadModels
from projections.sql_store import SQLiteReadModels
from tests.conftest import POSTGRES_BASE, drop_schema, require_postgres


class TestTheInMemoryStoreIsATrackingRecorder(library.TrackingRecorderTestCase):
    def create_recorder(self) -> MemoryReadModels:
        return MemoryReadModels()


class TestTheSQLiteStoreIsATrackingRecorder(library.TrackingRecorderTestCase):
    def setUp(self) -> None:
        self.folder = tempfile.TemporaryDirectory()

    def tearDown(self) -> None:
        self.folder.cleanup()

    def create_recorder(self) -> SQLiteReadModels:
        datastore = SQLiteDatastore(db_name=str(Path(self.folder.name) / f"{uuid.uuid4().hex}.db"))
        recorder = SQLiteReadModels(datastore)
        recorder.create_table()
        self.addCleanup(datastore.close)
        return recorder


class TestThePostgresStoreIsATrackingRecorder(library.TrackingRecorderTestCase):
    def setUp(self) -> None:
        require_postgres()
        self.schemas: list[str] = []

    def tearDown(self) -> None:
        for schema in self.schemas:
            drop_schema(schema)

    def create_recorder(self) -> PostgresReadModels:
        schema = f"rl_test_{uuid.uuid4().hex[:12]}"
        self.schemas.append(schema)
        setting = resolve_db_setting(f"{POSTGRES_BASE}?schema={schema}")
        import psycopg

        with psycopg.connect(POSTGRES_BASE, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        factory = PostgresFactory(Environment("RemixLedger", setting.env))
        recorder = PostgresReadModels(factory.datastore)
        recorder.create_table()
        self.addCleanup(factory.datastore.close)
        return recorder
