"""``remix-ledger serve`` as operators run it: real processes, real databases.

Marked slow: each starts server processes. They hold the promises that only
processes can break: a revoked token, idempotency across processes, exact
counts under concurrency, and every acknowledged write kept through kill -9.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Databases
from tests.service.http.servers import Server, cli

pytestmark = pytest.mark.slow


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def _serve(servers: list[Server], db: str, tmp_path: Path, *args: str) -> Server:
    server = Server(db, *args, log=tmp_path / f"serve-{len(servers)}.log").start()
    servers.append(server)
    return server


def _register(url: str, handle: str) -> dict[str, Any]:
    response = httpx.post(f"{url}/api/members", json={"handle": handle}, timeout=10)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _auth(token: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def test_serve_answers_and_an_operator_token_from_the_cli_works_until_revoked(
    databases: Databases, tmp_path: Path, servers: list[Server]
) -> None:
    db = databases.url("sqlite")
    server = _serve(servers, db, tmp_path, "--closed-registration")
    closed = httpx.post(f"{server.url}/api/members", json={"handle": "ana"}, timeout=10)
    assert closed.status_code == 401
    secret = cli(db, "token", "issue", "--label", "ops").strip()
    opened = httpx.post(
        f"{server.url}/api/members", json={"handle": "ana"}, headers=_auth(secret), timeout=10
    )
    assert opened.status_code == 201
    listed = json.loads(cli(db, "token", "list", "--format", "json"))
    (row,) = [token for token in listed if token["label"] == "ops"]
    cli(db, "token", "revoke", row["token_id"])
    again = httpx.post(
        f"{server.url}/api/members", json={"handle": "ben"}, headers=_auth(secret), timeout=10
    )
    assert again.status_code == 401
    assert httpx.get(f"{server.url}/openapi.json", timeout=10).json()["openapi"].startswith("3.1")
    assert httpx.get(f"{server.url}/docs", timeout=10).status_code == 200


def test_serve_refuses_several_workers_on_sqlite(databases: Databases) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from service.cli.main import main; main()",
            "--db",
            databases.url("sqlite"),
            "serve",
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "needs PostgreSQL" in done.stderr


@pytest.mark.postgres
def test_twenty_clients_voting_through_two_servers_give_exact_counts(
    databases: Databases, tmp_path: Path, servers: list[Server]
) -> None:
    db = databases.url("postgres")
    first = _serve(servers, db, tmp_path)
    second = _serve(servers, db, tmp_path)
    urls = [first.url, second.url]
    author = _register(first.url, "author")
    works = []
    for n in range(3):
        made = httpx.post(
            f"{first.url}/api/works",
            json={"title": f"Work {n}"},
            headers=_auth(author["token"]),
            timeout=10,
        )
        works.append(made.json()["work_id"])
    voters = [_register(urls[n % 2], f"voter-{n}") for n in range(20)]
    final: dict[tuple[int, str], int] = {}
    positions: list[int] = []
    failures: list[str] = []
    lock = threading.Lock()

    def vote(index: int, voter: dict[str, Any]) -> None:
        chooser = random.Random(index)
        with httpx.Client(timeout=30) as client:
            for step in range(6):
                work = chooser.choice(works)
                value = chooser.choice((1, -1))
                key = f"{index}-{step}"
                # Every write is sent twice, to either server, with the same key:
                # a client retrying after losing the first answer.
                answers = []
                for _sent in range(2):
                    for _ in range(50):
                        response = client.put(
                            f"{chooser.choice(urls)}/api/works/{work}/vote",
                            json={"value": value},
                            headers=_auth(voter["token"], key),
                        )
                        if response.status_code != 409 and response.status_code < 500:
                            break
                    answers.append(response)
                if (
                    any(a.status_code != 200 for a in answers)
                    or answers[0].json() != answers[1].json()
                ):
                    with lock:
                        failures.append(f"{key}: {[a.text for a in answers]}")
                    continue
                with lock:
                    final[(index, work)] = value
                    positions.append(answers[0].json()["position"])

    threads = [threading.Thread(target=vote, args=(n, v)) for n, v in enumerate(voters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures[:3]
    after = max(positions)
    for url in urls:
        ranked = httpx.get(
            f"{url}/api/rankings?by=newest&limit=10&after={after}", timeout=30
        ).json()["works"]
        counts = {w["work_id"]: (w["up"], w["down"]) for w in ranked}
        for work in works:
            expected_up = sum(1 for (_, w), v in final.items() if w == work and v == 1)
            expected_down = sum(1 for (_, w), v in final.items() if w == work and v == -1)
            assert counts[work] == (expected_up, expected_down), url


def test_every_acknowledged_write_survives_kill_9(
    databases: Databases, tmp_path: Path, servers: list[Server]
) -> None:
    db = databases.url("sqlite")
    server = _serve(servers, db, tmp_path)
    member = _register(server.url, "writer")
    acknowledged: list[tuple[str, str]] = []
    attempted: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def write(worker: int) -> None:
        with httpx.Client(timeout=10) as client:
            n = 0
            while not stop.is_set():
                key = f"w{worker}-{n}"
                n += 1
                with lock:
                    attempted.append(key)
                try:
                    response = client.post(
                        f"{server.url}/api/works",
                        json={"title": key},
                        headers=_auth(member["token"], key),
                    )
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 201:
                    with lock:
                        acknowledged.append((key, response.json()["work_id"]))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    while len(acknowledged) < 30:
        threading.Event().wait(0.01)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acknowledged) >= 30

    restarted = _serve(servers, db, tmp_path)
    with httpx.Client(timeout=10) as client:
        for key, work_id in acknowledged:
            found = client.get(f"{restarted.url}/api/works/{work_id}")
            assert found.status_code == 200 and found.json()["title"] == key
        # Retrying every attempt with its key: the acknowledged ones replay (their
        # answers were kept), the others run now.
        for key in attempted:
            retry = client.post(
                f"{restarted.url}/api/works",
                json={"title": key},
                headers=_auth(member["token"], key),
            )
            assert retry.status_code == 201, retry.text
        titles: list[str] = []
        cursor = None
        while True:
            query = "limit=100" + (f"&cursor={cursor}" if cursor else "")
            page = client.get(
                f"{restarted.url}/api/works?{query}&after={restarted_head(client, restarted.url)}"
            ).json()
            titles += [w["title"] for w in page["works"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
    # Every attempt is recorded exactly once: an acknowledged one replays, one that
    # died between its commit and its answer being kept finds the work its key
    # made, and one that never committed runs now.
    assert sorted(titles) == sorted(attempted)


def restarted_head(client: httpx.Client, url: str) -> int:
    return int(client.get(f"{url}/api/log?limit=1").json()["head"])
