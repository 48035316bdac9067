"""``/readyz`` says not ready when the read models cannot keep up, not only when they lag.

One event the projector could not apply used to stop it for good while ``/readyz``
still said ready: the lag stayed small on a quiet ledger.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import psycopg
import pytest

from service.http import following
from tests.conftest import POSTGRES_BASE, Databases
from tests.service.http.conftest import ApiFactory


def eventually(check: Callable[[], bool], seconds: float = 30.0) -> bool:
    """``check()`` became true within a generous ``seconds`` (this proves no timing)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.postgres
def test_readyz_is_not_ready_while_the_elected_projector_fails_and_ready_once_it_recovers(
    make_api: ApiFactory, databases: Databases
) -> None:
    api = make_api("postgres")
    assert api.services.projector_mode == "elected"
    author = api.member("ana")
    assert api.get("/readyz").status_code == 200
    schema = databases.schemas[-1]
    # A fault the projector cannot get past: every new work row is refused.
    with psycopg.connect(POSTGRES_BASE, autocommit=True) as connection:
        connection.execute(
            f'ALTER TABLE "{schema}".rl_works ADD CONSTRAINT refuse CHECK (false) NOT VALID'
        )
    api.work(author, "Stuck")
    assert eventually(lambda: api.get("/readyz").status_code == 503)
    problem = api.get("/readyz").json()
    assert "the read models' projector is failing (IntegrityError)" in problem["detail"]
    assert "refuse" not in problem["detail"]  # the database's own text stays in the log
    with psycopg.connect(POSTGRES_BASE, autocommit=True) as connection:
        connection.execute(f'ALTER TABLE "{schema}".rl_works DROP CONSTRAINT refuse')
    assert eventually(lambda: api.get("/readyz").status_code == 200)


def test_readyz_is_not_ready_when_the_read_models_stand_still_while_the_log_moves_on(
    make_api: ApiFactory,
) -> None:
    """An ``external`` projector that is not running: the lag is one event, far under
    ``ready_max_lag``, but the position has not moved for the setting's time."""
    api = make_api("sqlite", projector="external", ready_max_stall_seconds=0.2)
    api.services.read_models.projector.catch_up()
    assert api.get("/readyz").status_code == 200
    api.member("ana")
    assert api.get("/readyz").status_code == 200  # behind, but only just
    time.sleep(0.3)
    response = api.get("/readyz")
    assert response.status_code == 503
    assert "have stood at position" in response.json()["detail"]
    api.services.read_models.projector.catch_up()
    assert api.get("/readyz").status_code == 200


class CountedStop(threading.Event):
    """A stop event whose waits return at once and are recorded; set after ``waits``."""

    def __init__(self, waits: int) -> None:
        super().__init__()
        self.delays: list[float] = []
        self.waits = waits

    def wait(self, timeout: float | None = None) -> bool:
        self.delays.append(float(timeout or 0))
        if len(self.delays) >= self.waits:
            self.set()
        return self.is_set()


def test_a_follower_that_keeps_failing_backs_off_and_logs_once_not_at_every_retry(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop = CountedStop(waits=10)
    failures: list[BaseException] = []

    def follow() -> None:
        raise RuntimeError("text fields cannot contain NUL")

    with caplog.at_level(logging.WARNING, logger="remix_ledger.http"):
        following._keep_going(
            stop, follow, "the read models", on_failure=failures.append, progress=lambda: 7
        )
    assert stop.delays == [1, 2, 4, 8, 16, 30, 30, 30, 30, 30]
    assert len(failures) == 10
    records = [r for r in caplog.records if r.name == "remix_ledger.http"]
    # One traceback for the first failure; reminders come at most once a minute
    # (service.http.outages), and these ten retries took no time.
    assert len(records) == 1
    assert records[0].exc_info is not None


def test_the_backoff_starts_again_once_the_follower_has_made_progress() -> None:
    stop = CountedStop(waits=6)
    positions = iter([0, 0, 0, 5, 5, 5, 5])

    def follow() -> None:
        raise RuntimeError("the database went away")

    following._keep_going(stop, follow, "the read models", progress=lambda: next(positions))
    assert stop.delays == [1, 2, 1, 2, 4, 8]
