"""Statements say what they are: issued (and where), not issued yet, or a what-if.

On the demo ledger, whose first statement the demo issued under ``decay``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.service.test_cli import Cli


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    cli = Cli(str(tmp_path / "demo.db"), capsys)
    cli("demo", "--tree", str(tmp_path / "tree.dot"))
    return cli


def test_a_what_if_statement_is_never_called_issued_in_text_or_json(demo: Cli) -> None:
    asked = ("royalties", "tiny-book-vol-1", "--revenue", "1", "--policy", "equal")
    header = demo(*asked).splitlines()[0]
    assert "(issued" not in header
    assert "what if, under equal: never issued" in header
    assert "the production pays under decay(r=1/2)" in header
    (what_if,) = json.loads(demo(*asked, "--format", "json"))
    assert what_if["what_if"] is True and what_if["issued"] is False
    assert what_if["policy"] == "equal" and what_if["production_policy"] == "decay(r=1/2)"
    # The statement that was issued is still shown as issued, with its position.
    (own,) = json.loads(demo("royalties", "tiny-book-vol-1", "--revenue", "1", "--format", "json"))
    assert own["what_if"] is False and own["issued"] is True
    assert what_if["issued_position"] == own["issued_position"] is not None
    assert f"(issued at position {own['issued_position']})" in demo(
        "royalties", "tiny-book-vol-1", "--revenue", "1"
    )


def test_issuing_says_the_position_each_statement_was_recorded_at(demo: Cli) -> None:
    issued = demo("royalties", "tiny-book-vol-1", "--issue")
    positions = dict(
        re.findall(r"issued statement #(\d+) for production \S+ \(position (\d+)\)", issued)
    )
    assert set(positions) == {"2", "3"}
    assert positions["2"] != positions["3"]
    again = demo("royalties", "tiny-book-vol-1", "--issue")
    for number, position in positions.items():
        assert f"statement #{number} was already issued, at position {position};" in again
    listed = json.loads(demo("royalties", "tiny-book-vol-1", "--format", "json"))
    assert {str(s["revenue_number"]): str(s["issued_position"]) for s in listed[1:]} == positions
    lines = demo("royalties", "tiny-book-vol-1", "--issue", "--format", "json").splitlines()
    said = {str(line["already_issued"]): str(line["position"]) for line in map(json.loads, lines)}
    assert said == {"1": str(listed[0]["issued_position"]), **positions}
