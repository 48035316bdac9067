"""A real ``serve`` on a locked database and on a full disk: 503s that say so, reads that go on.

The lock is a second real connection holding ``BEGIN EXCLUSIVE`` on the ledger's
file; the full disk a small tmpfs filled to its last byte (``tests.full_disk``,
skipped where no tmpfs can be mounted).
"""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.full_disk import small_disk
from tests.service.http.servers import Server, cli

pytestmark = pytest.mark.slow

PROBLEM = "urn:remix-ledger:problem:"


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture(autouse=True)
def quick_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    # The servers inherit it: a locked database answers after 1 s, not 5.
    monkeypatch.setenv("REMIX_LEDGER_BUSY_TIMEOUT", "1")


def _serve(servers: list[Server], db: str, log: Path) -> Server:
    server = Server(db, log=log).start()
    servers.append(server)
    return server


def _register(url: str, handle: str) -> httpx.Response:
    return httpx.post(f"{url}/api/members", json={"handle": handle}, timeout=30)


def _exchange(connection: socket.socket, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one HTTP/1.1 request on ``connection``; its status, headers and body."""
    connection.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, "the server closed the connection without an answer"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (x.partition(":") for x in lines)}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = connection.recv(65536)
        assert chunk, "the server closed the connection mid-answer"
        body += chunk
    return int(status_line.split()[1]), headers, body


@pytest.fixture
def locked(tmp_path: Path, servers: list[Server]) -> Iterator[Server]:
    """A server whose ledger file another connection holds locked for writing."""
    db = str(tmp_path / "ledger.db")
    cli(db, "member", "add", "ana")
    cli(db, "contribute", "--title", "Spare Key", "--author", "ana", "--body", "Once.")
    server = _serve(servers, db, tmp_path / "serve.log")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield server
    holder.execute("ROLLBACK")
    holder.close()


def test_a_write_to_a_locked_database_answers_503_storage_busy_with_retry_after(
    locked: Server,
) -> None:
    started = time.monotonic()
    response = _register(locked.url, "ben")
    assert time.monotonic() - started < 10  # the busy timeout (1 s), not a hang
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEM + "storage-busy"
    assert int(response.headers["retry-after"]) >= 1


def test_reads_go_on_while_a_writer_holds_the_lock(locked: Server) -> None:
    works = httpx.get(f"{locked.url}/api/works", timeout=10)
    assert works.status_code == 200
    assert [work["title"] for work in works.json()["works"]] == ["Spare Key"]
    assert httpx.get(f"{locked.url}/api/members/ana", timeout=10).status_code == 200
    assert httpx.get(f"{locked.url}/readyz", timeout=10).status_code == 200


def test_after_a_503_the_same_keep_alive_connection_answers_the_next_request(
    locked: Server,
) -> None:
    body = b'{"handle": "ben"}'
    post = (
        b"POST /api/members HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    get = b"GET /api/works HTTP/1.1\r\nHost: test\r\n\r\n"
    with socket.create_connection(("127.0.0.1", locked.port), timeout=30) as connection:
        status, headers, _ = _exchange(connection, post)
        assert status == 503
        assert headers.get("connection", "").lower() != "close"
        status, _, answer = _exchange(connection, get)
        assert status == 200
        assert b"Spare Key" in answer


def test_on_a_disk_that_fills_writes_answer_503_storage_full_reads_go_on_and_all_resumes(
    tmp_path: Path, servers: list[Server]
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        db = str(disk.folder / "ledger.db")
        cli(db, "member", "add", "ana")
        server = _serve(servers, db, tmp_path / "serve.log")
        disk.fill()
        answers = [_register(server.url, f"member-{count}") for count in range(60)]
        statuses = {response.status_code for response in answers}
        assert statuses <= {201, 503}, [r.text for r in answers if r.status_code not in (201, 503)]
        full = next(response for response in answers if response.status_code == 503)
        assert full.json()["type"] == PROBLEM + "storage-full"
        assert int(full.headers["retry-after"]) >= 1
        assert httpx.get(f"{server.url}/api/members/ana", timeout=10).status_code == 200
        assert httpx.get(f"{server.url}/api/works", timeout=10).status_code == 200

        disk.free()
        assert _register(server.url, "after").status_code == 201
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready = httpx.get(f"{server.url}/readyz", timeout=10).json()
            if ready.get("lag") == 0:
                break
            time.sleep(0.5)
        assert ready["lag"] == 0, ready  # the projector resumed when space came back
        server.stop()
        log = (tmp_path / "serve.log").read_text()
        # Said once, in one line, not a traceback a second for the whole outage.
        assert log.count("Traceback") <= 1, log[-3000:]


def test_a_server_whose_disk_is_full_starts_read_only_and_says_why(
    tmp_path: Path, servers: list[Server]
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        db = str(disk.folder / "ledger.db")
        cli(db, "member", "add", "ana")
        cli(db, "contribute", "--title", "Spare Key", "--author", "ana", "--body", "Once.")
        disk.fill()
        server = _serve(servers, db, tmp_path / "serve.log")
        ready = httpx.get(f"{server.url}/readyz", timeout=10)
        assert ready.status_code == 200
        assert "is full" in ready.json()["read_only"]
        works = httpx.get(f"{server.url}/api/works", timeout=10).json()
        assert [work["title"] for work in works["works"]] == ["Spare Key"]
        refused = _register(server.url, "ben")
        assert refused.status_code == 503
        assert refused.json()["type"] == PROBLEM + "storage-full"
        assert "retry-after" in refused.headers
        server.stop()
        assert "serving reads only" in (tmp_path / "serve.log").read_text()
