"""API tokens' events are in the log; the read models take them as history only,
the same way on the incremental path and on the bulk rebuild."""

from __future__ import annotations

from ledger import open_ledger
from ledger.application.tokens import issue_token, register_with_token, revoke_token
from projections.memory_store import MemoryReadModels
from projections.opening import open_read_models
from projections.projector import Projector
from tests.conftest import Databases


def test_token_events_project_the_same_incrementally_and_rebuilt(databases: Databases) -> None:
    url = databases.url("sqlite")
    ledger = open_ledger(url)
    try:
        issued = register_with_token(ledger, handle="ana")
        ledger.contribute(authors=[issued.member_id], title="Story")  # type: ignore[list-item]
        revoke_token(ledger, issue_token(ledger, None, label="ops").token_id)
        incremental = MemoryReadModels()
        Projector(ledger, incremental).catch_up()
        store = open_read_models(url)
        try:
            Projector(ledger, store).rebuild()
            assert store.dump() == incremental.dump()
            members = incremental.leaderboard(10, 0)
            assert [m.handle for m in members] == ["ana"] and members[0].works == 1
        finally:
            store.close()
    finally:
        ledger.close()
