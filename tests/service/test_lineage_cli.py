"""Credits, royalties, family trees and provenance from the command line, on the demo ledger."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.service.test_cli import Cli


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    cli = Cli(str(tmp_path / "demo.db"), capsys)
    cli("demo", "--tree", str(tmp_path / "tree.dot"))
    return cli


def test_credits_json_lists_contributors_with_ids_and_ancestor_works(demo: Cli) -> None:
    data = json.loads(demo("credits", "rec-0109", "--format", "json"))
    text = json.dumps(data)
    # The eight authors of the eight-generation chain, each with id, external id and handle.
    for handle in (
        "moonlit-ink",
        "tinytales",
        "pixelpond",
        "the-tin-man",
        "brass-tacks",
        "foleyfriend",
        "inkblot_ava",
        "metaphorest",
    ):
        assert f'"{handle}"' in text
    assert "rec-0061" in text and "rec-0109" in text


def test_credits_under_each_policy_and_in_each_format(demo: Cli) -> None:
    for policy in ("equal", "decay", "absolute", "relative", "flow"):
        assert "Credits for" in demo("credits", "rec-0109", "--policy", policy)
    assert "Credits for" in demo("credits", "rec-0109", "--policy", "decay", "--param", "r=1/3")
    assert demo("credits", "rec-0109", "--format", "md").count("[") >= 1
    assert "<a href=" in demo("credits", "rec-0109", "--format", "html")
    demo("credits", "rec-0109", "--policy", "royal", expect=2)
    assert "royal" in demo.err


def test_the_demo_issued_the_first_statement_and_royalties_add_up_to_the_pool(demo: Cli) -> None:
    statements = json.loads(demo("royalties", "tiny-book-vol-1", "--format", "json"))
    assert [s["revenue_number"] for s in statements] == [1, 2, 3]
    assert [s["issued"] for s in statements] == [True, False, False]
    for statement in statements:
        pool = statement["pool"]["amount"]
        paid = sum(float(line["amount"]) for line in statement["lines"])
        assert round(paid, 2) == float(pool)
    issued = demo("royalties", "tiny-book-vol-1", "--issue")
    assert "issued statement #2" in issued and "issued statement #3" in issued
    assert "#1" not in issued  # issued once, by the demo
    again = json.loads(demo("royalties", "tiny-book-vol-1", "--format", "json"))
    assert [s["issued"] for s in again] == [True, True, True]


def test_a_waived_share_is_redistributed_in_later_statements(demo: Cli) -> None:
    before = json.loads(demo("royalties", "tiny-book-vol-1", "--revenue", "1", "--format", "json"))[
        0
    ]
    top = before["lines"][0]["handle"]
    demo("production", "waive", "tiny-book-vol-1", "--member", top)
    demo("production", "revenue", "tiny-book-vol-1", "100.00", "--as", "mem-001")
    latest = json.loads(demo("royalties", "tiny-book-vol-1", "--revenue", "4", "--format", "json"))[
        0
    ]
    waived = next(line for line in latest["lines"] if line["handle"] == top)
    assert waived["amount"] == "0.00" and waived["waived"]
    assert sum(float(line["amount"]) for line in latest["lines"]) == pytest.approx(50.00)
    # The first statement, as of its own payment, is unchanged by the later waiver.
    assert (
        json.loads(demo("royalties", "tiny-book-vol-1", "--revenue", "1", "--format", "json"))[0][
            "lines"
        ]
        == before["lines"]
    )


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_tree_writes_an_svg_with_one_node_per_work(demo: Cli, tmp_path: Path) -> None:
    out = tmp_path / "tree.svg"
    assert "8 works" in demo("tree", "rec-0109", "-o", str(out))
    svg = ElementTree.parse(out).getroot()
    nodes = [g for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"]
    assert len(nodes) == 8


def test_tree_writes_json_and_graphml_without_graphviz(demo: Cli, tmp_path: Path) -> None:
    demo("tree", "rec-0077", "-o", str(tmp_path / "t.json"), "--up", "1", "--down", "1")
    data = json.loads((tmp_path / "t.json").read_text())
    assert len(data["nodes"]) >= 3
    demo("tree", "rec-0077", "-o", str(tmp_path / "t.graphml"))
    assert "<graphml" in (tmp_path / "t.graphml").read_text()
    demo("tree", "rec-0077", "-o", str(tmp_path / "t.bmp"), expect=2)


def test_provenance_is_prov_json(demo: Cli, tmp_path: Path) -> None:
    out = tmp_path / "prov.json"
    demo("provenance", "rec-0109", "-o", str(out))
    document = json.loads(out.read_text())
    assert len(document["entity"]) == 8 and "wasDerivedFrom" in document
