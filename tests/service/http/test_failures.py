"""An error no route answered is answered by the app, not re-raised into the server."""

from __future__ import annotations

import sqlite3
import warnings

from service.http import ServerSettings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def _app_failing_with(error: Exception) -> TestClient:
    app = create_app(ServerSettings(db="memory://"))

    @app.get("/fails")
    def fails() -> None:
        raise error

    # Raised into the test, as uvicorn would see it (and then drop the connection).
    return TestClient(app, raise_server_exceptions=True)


def test_an_unexpected_error_answers_500_with_connection_close_and_is_not_re_raised() -> None:
    with _app_failing_with(RuntimeError("boom")) as client:
        response = client.get("/fails")
    assert response.status_code == 500
    assert response.headers["connection"] == "close"
    assert response.json()["type"] == "urn:remix-ledger:problem:internal"
    assert "boom" not in response.text


def test_a_driver_s_locked_that_escaped_the_adapters_answers_503_storage_busy() -> None:
    with _app_failing_with(sqlite3.OperationalError("database is locked")) as client:
        response = client.get("/fails")
    assert response.status_code == 503
    assert response.json()["type"] == "urn:remix-ledger:problem:storage-busy"
    assert response.headers["retry-after"] == "1"
    assert "connection" not in response.headers
