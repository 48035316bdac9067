"""schemathesis over the proposal and notification routes only, on a ledger with a
published, paid production and a draft proposal: no server error, no answer outside
the schema (whatever state the generated calls leave the proposal in)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from ledger import Money, open_ledger
from ledger.application.operations import register_curator
from ledger.application.tokens import issue_token
from lineage.proposals import draft_proposal
from lineage.snapshot import open_lineage
from service.http import ServerSettings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance


def _seeded_ledger() -> tuple[str, dict[str, str]]:
    folder = tempfile.mkdtemp(prefix="rl-schemathesis-proposals-")
    atexit.register(shutil.rmtree, folder, True)
    path = str(Path(folder) / "ledger.db")
    ledger = open_ledger(path)
    try:
        curie = register_curator(ledger, handle="curie").id
        ana = ledger.register_member(handle="ana", external_id="m-ana").id
        story = ledger.contribute(authors=[ana], title="Story", external_id="s1").id
        book = ledger.create_production(title="Book", curator_id=curie, external_id="book").id
        ledger.include_work(book, story)
        ledger.publish(book)
        ledger.record_revenue(book, Money.parse("100.00", "USD"))
        ledger.record_revenue(book, Money.parse("50.00", "USD"))
        draft_proposal(ledger, open_lineage(ledger, None, long_lived=False), book, "revenue:1")
        return path, {"Authorization": f"Bearer {issue_token(ledger, curie).secret}"}
    finally:
        ledger.close()


DB, AUTH = _seeded_ledger()
APP = create_app(
    ServerSettings(db=DB, wait_seconds=2.0, write_burst=1_000_000, writes_per_second=1e6)
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).include(
    path_regex=r"^/api/(proposals|notifications|productions/\{production\}/proposals)"
)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.filterwarnings("ignore")
def test_no_proposal_operation_answers_a_server_error_or_breaks_the_schema(case: Any) -> None:
    case.call_and_validate(headers=AUTH, checks=[not_a_server_error, response_schema_conformance])
