"""A command imports what it uses: the heavy libraries load only where they are needed.

Each case runs the real CLI in a fresh interpreter, from a small driver that calls
``main`` and, at exit, prints which of the heavy libraries were loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ledger import open_ledger
from ledger.archive import import_archive
from ledger.transparency.checkpoints import KEY_ENV_VAR
from lineage.policies import POLICIES
from service.cli.lineage_commands import POLICY_NAMES
from service.cli.log_commands import KEY_ENV_VAR as CLI_KEY_ENV_VAR

SAMPLE = Path(__file__).resolve().parents[2] / "ledger" / "samples" / "tiny-stories.jsonl"

#: Loaded only by the commands that draw, serve, sign or compute a lineage.
HEAVY = ("networkx", "graphviz", "fastapi", "jinja2", "uvicorn", "starlette", "cryptography")

DRIVER = """
import atexit, json, sys

def loaded():
    print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)

atexit.register(loaded)
sys.argv = ["remix-ledger", *sys.argv[1:]]
from service.cli.main import main
main()
"""


def top_level_modules_after(*argv: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, *argv], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def sample_ledger(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("imports") / "ledger.db")
    ledger = open_ledger(path)
    import_archive(ledger, SAMPLE.read_text(encoding="utf-8").splitlines())
    ledger.close()
    return path


@pytest.mark.parametrize("argv", [["--help"], ["--version"]])
def test_help_and_version_import_no_heavy_library_not_even_pydantic(argv: list[str]) -> None:
    assert top_level_modules_after(*argv) & {*HEAVY, "pydantic"} == set()


@pytest.mark.parametrize(
    "argv",
    [
        ["history", "--work", "rec-0001"],
        ["rankings"],
        ["census"],
        ["works", "list"],
        ["members", "list"],
        ["leaderboard"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_the_queries_without_a_graph_import_no_heavy_library(
    sample_ledger: str, argv: list[str]
) -> None:
    """Typer 0.29 itself loads pydantic to read parameter values: that one is allowed."""
    assert top_level_modules_after("--db", sample_ledger, *argv) & set(HEAVY) == set()


def test_a_lineage_command_still_loads_networkx(sample_ledger: str) -> None:
    """The driver sees what a command imports (else the tests above would prove nothing)."""
    assert "networkx" in top_level_modules_after("--db", sample_ledger, "credits", "rec-0001")


def test_the_help_texts_name_the_policies_and_the_key_variable_the_code_uses() -> None:
    assert tuple(POLICIES) == POLICY_NAMES
    assert CLI_KEY_ENV_VAR == KEY_ENV_VAR
