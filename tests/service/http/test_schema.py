"""schemathesis over every operation of the app's own OpenAPI schema, with a valid
curator's token so that writes run: no server error, no answer outside the schema."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from ledger import open_ledger
from ledger.application.operations import register_curator
from ledger.application.tokens import issue_token
from service.http import ServerSettings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance


def _seeded_ledger() -> tuple[str, dict[str, str]]:
    """A ledger file with a curator (whose token the test uses), a member and works."""
    folder = tempfile.mkdtemp(prefix="rl-schemathesis-")
    atexit.register(shutil.rmtree, folder, True)
    path = str(Path(folder) / "ledger.db")
    ledger = open_ledger(path)
    try:
        curie = register_curator(ledger, handle="curie").id
        ana = ledger.register_member(handle="ana", external_id="m-ana").id
        ledger.contribute(authors=[ana], title="Story", external_id="s1")
        ledger.contribute(authors=[curie], title="Notes", external_id="r1")
        return path, {"Authorization": f"Bearer {issue_token(ledger, curie).secret}"}
    finally:
        ledger.close()


DB, AUTH = _seeded_ledger()
# schemathesis starts and stops the app's lifespan around each operation: the
# ledger file keeps what earlier operations wrote, as a restarted server would.
APP = create_app(
    ServerSettings(db=DB, wait_seconds=2.0, write_burst=1_000_000, writes_per_second=1e6)
)
DOT = shutil.which("dot") is not None

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """Not a 5xx, except the one a machine without Graphviz must give for a drawing."""
    graphviz_missing = response.status_code == 503 and response.json().get("type", "").endswith(
        ":graphviz-missing"
    )
    if graphviz_missing and not DOT:
        return None
    return not_a_server_error(ctx, response, case)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.filterwarnings("ignore")
def test_no_operation_answers_a_server_error_or_breaks_the_schema(case: Any) -> None:
    case.call_and_validate(headers=AUTH, checks=[no_server_error, response_schema_conformance])
