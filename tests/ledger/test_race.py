"""Two processes at once: one vote per (member, work) and one member per handle still hold.

Each round starts two fresh processes that open the same ledger, wait at a
barrier, and then vote (or register) at the same moment.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier
from uuid import UUID

import pytest

from ledger import open_ledger
from ledger.application.log import iter_events
from ledger.domain.errors import CycleError, DuplicateExternalIdError, HandleTakenError
from ledger.domain.values import Citation, Relation
from ledger.domain.vote import Vote
from tests.conftest import Databases

ROUNDS = 6
pytestmark = pytest.mark.slow


def _vote(
    url: str,
    member: str,
    work: str,
    value: int,
    barrier: Barrier,
    results: multiprocessing.Queue[str],
) -> None:
    ledger = None
    try:
        ledger = open_ledger(url)
        member_id, work_id = UUID(member), UUID(work)
        barrier.wait(timeout=30)
        ledger.vote(member_id=member_id, work_id=work_id, value=value)
        results.put("ok")
    except Exception as error:
        results.put(f"{type(error).__name__}: {error}")
    finally:
        if ledger is not None:
            ledger.close()


def _register(
    url: str,
    handle: str,
    barrier: Barrier,
    results: multiprocessing.Queue[str],
    external_id: str | None = None,
) -> None:
    ledger = None
    try:
        ledger = open_ledger(url)
        barrier.wait(timeout=30)
        ledger.register_member(handle=handle, external_id=external_id)
        results.put("ok")
    except (HandleTakenError, DuplicateExternalIdError):
        results.put("taken")
    except Exception as error:
        results.put(f"{type(error).__name__}: {error}")
    finally:
        if ledger is not None:
            ledger.close()


def _race(target: object, args_for: list[tuple[object, ...]]) -> list[str]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(args_for))
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(*args, barrier, results)) for args in args_for
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=90) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_processes_voting_at_once_leave_exactly_one_vote(
    backend: str, databases: Databases
) -> None:
    url = databases.url(backend)
    ledger = open_ledger(url)
    voters = [ledger.register_member(handle=f"voter{n}").id for n in range(ROUNDS)]
    author = ledger.register_member(handle="author").id
    works = [ledger.contribute(authors=[author], title=f"story {n}").id for n in range(ROUNDS)]
    for voter, work in zip(voters, works, strict=True):
        # Opposite values, so the loser's retry must turn into a change, not a second vote.
        outcomes = _race(_vote, [(url, str(voter), str(work), 1), (url, str(voter), str(work), -1)])
        assert outcomes == ["ok", "ok"]
    created = [event for _, event in iter_events(ledger) if isinstance(event, Vote.Voted)]
    assert len(created) == ROUNDS
    assert {(event.member_id, event.work_id) for event in created} == set(
        zip(voters, works, strict=True)
    )
    for voter, work in zip(voters, works, strict=True):
        vote = ledger.vote_of(voter, work)
        assert vote is not None and vote.value in (1, -1) and vote.version <= 2
    ledger.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_processes_registering_one_handle_make_one_member(
    backend: str, databases: Databases
) -> None:
    url = databases.url(backend)
    ledger = open_ledger(url)
    for n in range(3):
        outcomes = _race(_register, [(url, f"same{n}"), (url, f"SAME{n}")])
        assert sorted(outcomes) == ["ok", "taken"]
    from ledger.domain.member import Member

    registered = [event for _, event in iter_events(ledger) if isinstance(event, Member.Registered)]
    assert sorted(event.handle for event in registered) == ["same0", "same1", "same2"]
    ledger.close()


def _register_with_external_id(
    url: str,
    handle: str,
    external_id: str,
    barrier: Barrier,
    results: multiprocessing.Queue[str],
) -> None:
    _register(url, handle, barrier, results, external_id)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_handle_and_an_external_id_registered_at_once_leave_one_owner_of_the_name(
    backend: str, databases: Databases
) -> None:
    """ "alice" as one member's handle and another's external id: exactly one is recorded."""
    url = databases.url(backend)
    ledger = open_ledger(url)
    for n in range(3):
        contenders = [(url, f"alice{n}", f"a/{n}"), (url, f"mallory{n}", f"ALICE{n}")]
        assert sorted(_race(_register_with_external_id, contenders)) == ["ok", "taken"]
    from ledger.domain.member import Member

    registered = [event for _, event in iter_events(ledger) if isinstance(event, Member.Registered)]
    assert len(registered) == 3
    for event in registered:
        name = event.handle if event.handle.startswith("alice") else event.external_id.lower()
        with pytest.raises(HandleTakenError):
            ledger.register_member(handle=name)
    ledger.close()


def _cite(
    url: str, work: str, source: str, barrier: Barrier, results: multiprocessing.Queue[str]
) -> None:
    ledger = None
    try:
        ledger = open_ledger(url)
        work_id, source_id = UUID(work), UUID(source)
        citation = Citation(source_id, Relation.INSPIRATION, None)
        barrier.wait(timeout=30)
        ledger.cite_source(work_id, citation)
        results.put("ok")
    except CycleError:
        results.put("cycle")
    except Exception as error:
        results.put(f"{type(error).__name__}: {error}")
    finally:
        if ledger is not None:
            ledger.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_processes_citing_each_other_at_once_never_close_a_cycle(
    backend: str, databases: Databases
) -> None:
    # Each process's own check passes against the state it read; only a check
    # made under a lock shared by every writer can refuse the second citation.
    url = databases.url(backend)
    ledger = open_ledger(url)
    author = ledger.register_member(handle="author").id
    for n in range(ROUNDS):
        first = ledger.contribute(authors=[author], title=f"first {n}").id
        second = ledger.contribute(authors=[author], title=f"second {n}").id
        outcomes = _race(_cite, [(url, str(first), str(second)), (url, str(second), str(first))])
        assert sorted(outcomes) == ["cycle", "ok"]
        sources = {work: ledger.work(work).source_ids for work in (first, second)}
        assert (second in sources[first]) != (first in sources[second])
    ledger.close()
