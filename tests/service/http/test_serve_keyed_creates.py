"""A real ``serve`` process killed after saving a new record, before keeping its
answer: the client's retry with the same Idempotency-Key makes no second record.

Marked slow: it starts server processes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import POSTGRES_BASE, Databases
from tests.service.http.servers import Server

pytestmark = pytest.mark.slow

_REFUSE = "test: the server dies before keeping its answer"


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def _serve(servers: list[Server], db: str, tmp_path: Path) -> Server:
    server = Server(db, log=tmp_path / f"serve-{len(servers)}.log").start()
    servers.append(server)
    return server


@contextmanager
def _answers_never_kept(db: str) -> Iterator[None]:
    """While inside, the server cannot write an answer down: a trigger refuses the
    update that keeps it (the claim itself is inserted as usual).

    So a keyed write runs its command to the end (the ledger saves it) and then
    fails where the response would be kept, leaving its claim unanswered: the
    state a server killed between the two leaves, reached without timing luck.
    """
    if db.startswith("postgresql"):
        import psycopg

        schema = parse_qs(urlsplit(db).query)["schema"][0]
        table = f'"{schema}".rl_idempotency'
        function = f'"{schema}".refuse_answers'
        with psycopg.connect(POSTGRES_BASE, autocommit=True) as connection:
            connection.execute(
                f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS"
                f" $$ BEGIN RAISE EXCEPTION '{_REFUSE}'; END $$"
            )
            connection.execute(
                f"CREATE TRIGGER refuse_answers BEFORE UPDATE ON {table}"
                f" FOR EACH ROW WHEN (NEW.status IS NOT NULL) EXECUTE FUNCTION {function}()"
            )
            try:
                yield
            finally:
                connection.execute(f"DROP TRIGGER refuse_answers ON {table}")
        return
    import sqlite3

    connection = sqlite3.connect(db, isolation_level=None)
    try:
        connection.execute(
            "CREATE TRIGGER refuse_answers BEFORE UPDATE ON rl_idempotency"
            f" WHEN NEW.status IS NOT NULL BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END"
        )
        try:
            yield
        finally:
            connection.execute("DROP TRIGGER refuse_answers")
    finally:
        connection.close()


def _post(client: httpx.Client, url: str, body: dict[str, str], headers: dict[str, str]) -> Any:
    """POST, as a client does it: again after 409 (the key's claim is still held)."""
    for _ in range(100):
        response = client.post(url, json=body, headers=headers)
        if response.status_code != 409:
            return response
        time.sleep(0.1)
    return response


def _created(client: httpx.Client, url: str) -> dict[str, list[str]]:
    """The ids of the records the log's events are about, by event type."""
    found: dict[str, list[str]] = {}
    entries = client.get(f"{url}/api/log?limit=1000").json()["entries"]
    for entry in entries:
        found.setdefault(entry["type"], []).append(entry["record_id"])
    return found


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_create_saved_by_a_server_killed_before_answering_is_not_recorded_again(
    databases: Databases, tmp_path: Path, servers: list[Server], backend: str
) -> None:
    """The server saves the work and the comment, cannot keep its answers, and is
    killed with its claims unanswered; the retries, on a new server, take the
    claims over, run again, and answer the records the first run made."""
    db = databases.url(backend)
    server = _serve(servers, db, tmp_path)
    with httpx.Client(timeout=10) as client:
        member = client.post(f"{server.url}/api/members", json={"handle": "writer"}).json()
        reader = client.post(f"{server.url}/api/members", json={"handle": "reader"}).json()
        auth = {"Authorization": f"Bearer {member['token']}"}
        reader_auth = {"Authorization": f"Bearer {reader['token']}"}
        story = client.post(f"{server.url}/api/works", json={"title": "Story"}, headers=auth)
        comments_url = f"/api/works/{story.json()['work_id']}/comments"
        work_write = ("/api/works", {"title": "Kept once"}, auth, "work_id")
        comment_write = (comments_url, {"text": "Lovely."}, reader_auth, "comment_id")

        with _answers_never_kept(db):
            for path, body, headers, _ in (work_write, comment_write):
                # A connection of its own: the server drops it after the failure.
                lost = httpx.post(
                    f"{server.url}{path}",
                    json=body,
                    headers={**headers, "Idempotency-Key": "k"},
                    timeout=10,
                )
                assert lost.status_code == 500, lost.text
            saved = _created(client, server.url)
            server.kill()
        # The crash window was hit: both records are in the ledger, no answer was kept.
        (work_id,) = [w for w in saved["Work.Contributed"] if w != story.json()["work_id"]]
        (comment_id,) = saved["Comment.Commented"]

        restarted = _serve(servers, db, tmp_path)
        for (path, body, headers, field), made in zip(
            (work_write, comment_write), (work_id, comment_id), strict=True
        ):
            retried = _post(
                client, f"{restarted.url}{path}", body, {**headers, "Idempotency-Key": "k"}
            )
            assert retried.status_code == 201, retried.text
            assert "Idempotent-Replayed" not in retried.headers  # it ran again
            assert retried.json()[field] == made
            assert int(retried.headers["Ledger-Position"]) >= 1
        after = _created(client, restarted.url)
        assert after["Work.Contributed"] == saved["Work.Contributed"]
        assert after["Comment.Commented"] == [comment_id]
        assert client.get(f"{restarted.url}/api/works/{work_id}").json()["title"] == "Kept once"
