"""A real ``serve`` under slow lineage work: numbers refused before arithmetic, a time
budget past which a request answers 503, and ``/healthz`` answering all along (issue 21.1).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ledger import Citation, Relation, open_ledger
from tests.conftest import Databases
from tests.service.http.servers import Server

pytestmark = pytest.mark.slow

#: A chain this deep under an 18-digit r takes seconds to explain (3.8 s here):
#: every generation multiplies the denominators by another 18 digits.
DEPTH = 400
SLOW_R = "123456789012345677/234567890123456789"


def _deep_chain(db: str) -> None:
    ledger = open_ledger(db)
    try:
        ana = ledger.register_member(handle="ana").id
        work = ledger.contribute(authors=[ana], title="Root", external_id="w0").id
        for depth in range(1, DEPTH + 1):
            work = ledger.remix(
                authors=[ana],
                title=f"Remix {depth}",
                sources=[Citation(work, Relation.EDIT)],
                external_id=f"w{depth}",
            ).id
    finally:
        ledger.close()


@pytest.fixture
def slow_server(databases: Databases, tmp_path: Path) -> Iterator[Server]:
    db = databases.url("sqlite")
    _deep_chain(db)
    server = Server(
        db, "--lineage-budget", "0.5", "--lineage-workers", "1", log=tmp_path / "serve.log"
    ).start()
    yield server
    server.stop()


def test_an_exponent_parameter_is_refused_at_once_and_the_server_stays_up(
    slow_server: Server,
) -> None:
    started = time.monotonic()
    refused = httpx.get(
        f"{slow_server.url}/api/works/w1/credits",
        params={"policy": "decay", "param": "r=1e-10000000"},
        timeout=30,
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "'1e-10000000' is not a number" in refused.json()["detail"]
    assert time.monotonic() - started < 2
    assert httpx.get(f"{slow_server.url}/healthz", timeout=2).status_code == 200


def test_slow_lineage_work_answers_503_with_retry_after_while_healthz_answers(
    slow_server: Server,
) -> None:
    answers: list[httpx.Response] = []

    def slow_request() -> None:
        answers.append(
            httpx.get(
                f"{slow_server.url}/api/works/w{DEPTH}/credits",
                params={"policy": "decay", "param": f"r={SLOW_R}"},
                timeout=60,
            )
        )

    slow = threading.Thread(target=slow_request)
    slow.start()
    time.sleep(0.2)  # the computation has started
    health_times = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:  # while the work goes on, past its budget too
        started = time.monotonic()
        assert httpx.get(f"{slow_server.url}/healthz", timeout=2).status_code == 200
        health_times.append(time.monotonic() - started)
        time.sleep(0.1)
    slow.join(timeout=60)
    assert answers, "the slow request did not return"
    (answer,) = answers
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert int(answer.headers["Retry-After"]) >= 1
    assert "budget of 0.5s" in answer.json()["detail"]
    assert max(health_times) < 2, health_times
    # Another slow question (another r, so no answer kept from the first) is
    # answered 503 too, whether it waits for the one worker or runs past its budget.
    again = httpx.get(
        f"{slow_server.url}/api/works/w{DEPTH}/credits",
        params={"policy": "decay", "param": "r=123456789012345679/234567890123456789"},
        timeout=10,
    )
    assert again.status_code == 503 and "Retry-After" in again.headers
    assert httpx.get(f"{slow_server.url}/healthz", timeout=2).status_code == 200
