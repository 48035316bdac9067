"""A request whose body never finishes is cut off: 408 and the connection closed."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.http.settings import ServerSettings
from tests.service.http.servers import Server

pytestmark = pytest.mark.slow

HALF_SENT = 50


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(str(tmp_path / "ledger.db"), log=tmp_path / "serve.log").start()
    yield running
    running.stop()


def test_half_sent_bodies_are_answered_408_and_closed_after_the_read_timeout(
    server: Server,
) -> None:
    sockets = []
    for _ in range(HALF_SENT):
        connection = socket.create_connection(("127.0.0.1", server.port))
        connection.sendall(
            b"POST /api/works HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer rlt_x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            b'{"title": "half'
        )
        sockets.append(connection)
    bound = ServerSettings().body_read_seconds + 20  # does not hang; not a timing claim
    deadline = time.monotonic() + bound
    for connection in sockets:
        connection.settimeout(max(0.1, deadline - time.monotonic()))
        answer = b""
        while chunk := connection.recv(65536):  # until the server closes it
            answer += chunk
        connection.close()
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"connection: close" in answer.lower()
        assert b"body-too-slow" in answer
