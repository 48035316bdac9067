"""schemathesis over the API of a ledger that holds an imported git history (issue 20).

The ledger is what a user gets from ``remix-ledger import`` of a git-like history
(tests/ledger/git_like_history.py: 300 commits, merges, commits dated years
before a parent, authors under several names). The checks are those of
test_schema.py: no server error, no answer outside the schema. Besides the
generated ids, every operation on a work or a member is fuzzed with the ids the
history holds: its commits dated before a parent, its merges, its tip, its authors.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.http import ServerSettings, create_app
from tests.ledger.git_like_history import git_like_history

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

HISTORY = git_like_history(300, seed=11)
WORKS = sorted(
    {c.sha for c in HISTORY.out_of_order}
    | {c.sha for c in HISTORY.commits if len(c.parents) == 2}
    | {HISTORY.commits[0].sha, HISTORY.commits[-1].sha}
)
MEMBERS = sorted(HISTORY.members)


def _remix_ledger(db: str, *args: str) -> str:
    script = Path(sys.executable).with_name("remix-ledger")
    env = {k: v for k, v in os.environ.items() if k != "REMIX_LEDGER_DB"}
    done = subprocess.run(
        [str(script), "--db", db, *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"remix-ledger {' '.join(args)}: {done.stderr}"
    return done.stdout


def _imported_ledger() -> tuple[str, dict[str, str]]:
    """A ledger file holding the history, a curator (whose token the test uses), a checkpoint."""
    folder = Path(tempfile.mkdtemp(prefix="rl-schemathesis-git-"))
    atexit.register(shutil.rmtree, folder, True)
    db, archive = str(folder / "ledger.db"), folder / "git.jsonl"
    archive.write_text("\n".join(HISTORY.archive_lines()) + "\n", encoding="utf-8")
    assert "6 acts recorded out of order" in _remix_ledger(db, "import", str(archive))
    _remix_ledger(db, "member", "add", "curie")
    _remix_ledger(db, "member", "grant", "curie", "curator")
    token = json.loads(_remix_ledger(db, "token", "issue", "--member", "curie", "--format", "json"))
    key = str(folder / "log.key")
    _remix_ledger(db, "log", "keygen", "-o", key, "--origin", "git.example/log")
    _remix_ledger(db, "log", "checkpoint", "--key", key)
    return db, {"Authorization": f"Bearer {token['secret']}"}


DB, AUTH = _imported_ledger()
APP = create_app(
    ServerSettings(
        db=DB,
        wait_seconds=2.0,
        write_burst=1_000_000,
        writes_per_second=1e6,
        # Two shared cores: a budget answer (503) would be the machine's, not the API's.
        lineage_budget_seconds=120.0,
    )
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


CHECKS = [no_server_error, response_schema_conformance]


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.filterwarnings("ignore")
def test_no_operation_over_a_git_history_answers_a_server_error_or_breaks_the_schema(
    case: Any,
) -> None:
    case.call_and_validate(headers=AUTH, checks=CHECKS)


ON_RECORDS = [
    (path, method)
    for path, methods in APP.openapi()["paths"].items()
    for method in methods
    if "{work}" in path or "{member}" in path
]


@pytest.mark.parametrize(("path", "method"), ON_RECORDS, ids=[f"{m} {p}" for p, m in ON_RECORDS])
@pytest.mark.filterwarnings("ignore")
def test_every_operation_on_the_history_s_own_commits_and_authors_keeps_to_the_schema(
    path: str, method: str
) -> None:
    operation = schema[path][method.upper()]
    name, ids = ("work", WORKS) if "{work}" in path else ("member", MEMBERS)
    cases = st.sampled_from(ids).flatmap(
        lambda record: operation.as_strategy(path_parameters={name: record})
    )

    @given(case=cases)
    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
    def fuzz(case: Any) -> None:
        case.call_and_validate(headers=AUTH, checks=CHECKS)

    fuzz()
