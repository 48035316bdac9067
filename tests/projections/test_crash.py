"""kill -9 the projector at random moments while it catches up; nothing is doubled or lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.synthetic import generate
from ledger import open_ledger
from ledger.archive import import_archive
from projections.memory_store import MemoryReadModels
from projections.opening import open_read_models
from projections.projector import Projector
from tests.conftest import Databases

pytestmark = pytest.mark.slow

EVENTS = 100_000
KILLS = 10


def start_projector(url: str) -> subprocess.Popen[bytes]:
    script = Path(sys.executable).with_name("remix-ledger")
    return subprocess.Popen(
        [str(script), "--db", url, "projections", "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_progress(
    projector: Projector, before: int, process: subprocess.Popen[bytes], timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    while projector.position == before:
        assert process.poll() is None, "the projector exited on its own"
        assert time.monotonic() < deadline, "the projector made no progress"
        time.sleep(0.005)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_projector_killed_at_random_moments_ends_equal_to_a_clean_rebuild(
    backend: str, databases: Databases
) -> None:
    url = databases.url(backend)
    ledger = open_ledger(url)
    archive = generate(events=EVENTS)
    import_archive(ledger, archive.lines, batch_lines=5_000)
    head = ledger.head
    assert head == EVENTS

    rng = random.Random(20261126)
    store = open_read_models(url)
    projector = Projector(ledger, store)
    positions = []
    for _ in range(KILLS):
        before = projector.position
        process = start_projector(url)
        # Kill it at a random moment once it has committed a batch of its own, so
        # every kill lands mid catch-up however fast the machine or the projector.
        wait_for_progress(projector, before, process)
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        positions.append(projector.position)
    # The kills landed while it was catching up, and each run got further.
    assert positions[-1] < head
    assert positions == sorted(positions) and positions[-1] > positions[0]

    projector.catch_up()  # the restart finishes the job
    assert projector.position == head

    clean = MemoryReadModels()
    Projector(ledger, clean, batch_size=10_000).catch_up()
    assert store.dump() == clean.dump()
    store.close()
    ledger.close()
