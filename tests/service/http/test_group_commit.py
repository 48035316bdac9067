"""Group commit: concurrent writes share a transaction, each keeps its own rules."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from uuid import UUID

import pytest

from ledger import Ledger, Recorded, open_ledger
from ledger.application.log import iter_events
from ledger.domain.errors import OwnWorkVoteError
from service.http.group_commit import GroupCommit


def test_concurrent_votes_are_saved_each_once_and_errors_stay_their_own(any_ledger: Ledger) -> None:
    author = any_ledger.register_member(handle="author").id
    work = any_ledger.contribute(authors=[author], title="Story").id
    voters = [any_ledger.register_member(handle=f"v{n}").id for n in range(30)]
    writes = GroupCommit(any_ledger, max_batch=8)
    results: dict[UUID, Recorded | BaseException] = {}

    def vote(member: UUID) -> None:
        try:
            results[member] = writes.run(
                lambda: any_ledger.vote(member_id=member, work_id=work, value=1)
            )
        except Exception as error:
            results[member] = error

    threads = [threading.Thread(target=vote, args=(m,)) for m in [*voters, author]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writes.close()
    assert isinstance(results[author], OwnWorkVoteError)
    recorded = [results[m] for m in voters]
    assert all(isinstance(r, Recorded) and r.position is not None for r in recorded)
    assert all(any_ledger.vote_of(m, work).value == 1 for m in voters)  # type: ignore[union-attr]
    # Each answered a position that includes its own vote.
    positions = sorted(r.position for r in recorded)  # type: ignore[union-attr]
    assert positions[-1] == any_ledger.head
    # The same vote again records nothing, and says so.
    again = GroupCommit(any_ledger)
    repeat = again.run(lambda: any_ledger.vote(member_id=voters[0], work_id=work, value=1))
    again.close()
    assert repeat.position is None


def test_a_batch_that_lost_a_race_runs_each_command_again(ledger_url: str, backend: str) -> None:
    if backend == "memory":
        pytest.skip("one in-memory ledger has no second writer")
    first, second = open_ledger(ledger_url), open_ledger(ledger_url)
    try:
        author = first.register_member(handle="author").id
        work = first.contribute(authors=[author], title="Story").id
        voter = first.register_member(handle="voter").id
        writes = GroupCommit(first)
        release = threading.Event()

        def hold_the_writer() -> Recorded:
            release.wait(5)
            return first.withdraw_vote(member_id=author, work_id=work)  # records nothing

        answers: dict[str, Recorded] = {}

        def run(name: str, command: Callable[[], Recorded]) -> None:
            answers[name] = writes.run(command)

        # While the writer is held, two commands queue up; they form the next batch.
        # The first stages the voter's vote in this process; the second makes another
        # process save that vote first, so the batch's commit collides on its id.
        held = threading.Thread(target=run, args=("held", hold_the_writer))
        held.start()
        time.sleep(0.1)
        mine = threading.Thread(
            target=run, args=("mine", lambda: first.vote(member_id=voter, work_id=work, value=-1))
        )
        mine.start()
        time.sleep(0.1)
        theirs = threading.Thread(
            target=run, args=("theirs", lambda: second.vote(member_id=voter, work_id=work, value=1))
        )
        theirs.start()
        time.sleep(0.1)
        release.set()
        for thread in (held, mine, theirs):
            thread.join(10)
        writes.close()
        # Each ran again alone, in order, on what was stored: one Voted, two changes.
        votes = [
            (type(event).__name__, event.value)
            for _, event in iter_events(first)
            if type(event).__name__ in ("Voted", "VoteChanged")
        ]
        assert votes == [("Voted", 1), ("VoteChanged", -1), ("VoteChanged", 1)]
        assert answers["mine"].position is not None and answers["held"].position is None
        assert first.vote_of(voter, work).value == 1  # type: ignore[union-attr]
    finally:
        first.close()
        second.close()
