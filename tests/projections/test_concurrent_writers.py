"""Two writer processes and a following projector on PostgreSQL: nothing skipped or doubled."""

from __future__ import annotations

import multiprocessing
import random
import threading
from multiprocessing.synchronize import Barrier
from uuid import UUID

import pytest

from ledger import Citation, Relation, open_ledger
from ledger.domain.errors import LedgerError
from projections.memory_store import MemoryReadModels
from projections.opening import open_read_models
from projections.projector import Projector
from tests.conftest import Databases

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
COMMANDS = 250


def _write(
    url: str, writer: int, works: list[str], barrier: Barrier, done: multiprocessing.Queue[str]
) -> None:
    ledger = open_ledger(url)
    try:
        rng = random.Random(writer)
        me = [ledger.register_member(handle=f"w{writer}m{n}").id for n in range(5)]
        pool = [UUID(work) for work in works]
        barrier.wait(timeout=30)
        for n in range(COMMANDS):
            author = rng.choice(me)
            try:
                choice = rng.random()
                if choice < 0.3:
                    pool.append(
                        ledger.contribute(authors=[author], title=f"w{writer} story {n}").id
                    )
                elif choice < 0.5:
                    source = rng.choice(pool)
                    pool.append(
                        ledger.remix(
                            authors=[author],
                            title=f"w{writer} remix {n}",
                            sources=[Citation(source, Relation.REMIX)],
                        ).id
                    )
                elif choice < 0.85:
                    ledger.vote(
                        member_id=author, work_id=rng.choice(pool), value=rng.choice((1, -1))
                    )
                else:
                    ledger.comment(work_id=rng.choice(pool), author_id=author, text=f"comment {n}")
            except LedgerError:
                pass  # e.g. a vote on one's own remix: refused, as it should be
        done.put("ok")
    except Exception as error:
        done.put(f"{type(error).__name__}: {error}")
    finally:
        ledger.close()


def test_two_writers_and_a_following_projector_end_equal_to_a_rebuild(databases: Databases) -> None:
    url = databases.url("postgres")
    ledger = open_ledger(url)
    founder = ledger.register_member(handle="founder").id
    works = [str(ledger.contribute(authors=[founder], title=f"seed {n}").id) for n in range(5)]

    store = open_read_models(url)
    projector = Projector(ledger, store, batch_size=50)
    stop = threading.Event()
    follower = threading.Thread(target=projector.run, args=(stop,))
    follower.start()

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    done = context.Queue()
    writers = [context.Process(target=_write, args=(url, n, works, barrier, done)) for n in (1, 2)]
    for process in writers:
        process.start()
    outcomes = [done.get(timeout=240) for _ in writers]
    for process in writers:
        process.join(timeout=30)
    assert outcomes == ["ok", "ok"]

    head = ledger.head
    projector.wait(head, timeout=60)
    stop.set()
    follower.join(timeout=30)
    assert projector.position == head

    rebuilt = MemoryReadModels()
    Projector(ledger, rebuilt).catch_up()
    assert store.dump() == rebuilt.dump()
    assert len(store.dump()["works"]) > 100
    store.close()
    ledger.close()
