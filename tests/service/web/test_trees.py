"""The inline family tree: whatever the titles and names, it is SVG drawing and text only."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import example, given

from ledger import Citation, Relation, open_ledger
from lineage.family_tree import family_tree
from lineage.graph import LineageGraph
from lineage.render import dot_available
from service.web.trees import displayable, inline_svg
from tests.recorded_before import before_the_control_character_rule
from tests.strategies import old_ledger_text, one_line_text

pytestmark = pytest.mark.skipif(not dot_available(), reason="Graphviz `dot` is not installed")

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
DRAWING = {"svg", "g", "title", "polygon", "polyline", "path", "ellipse", "text", "a"}


def as_parsed(text: str) -> str:
    """What an XML parser reads back: XML's characters, line breaks as LF."""
    return displayable(text)


@given(source_title=one_line_text, title=one_line_text, name=one_line_text)
@example(source_title="]", title="]]", name="ends in a backslash\\")
@example(source_title="T1 \\N \\G \\L", title="\\E \\T \\H", name="\\N")
def test_any_title_or_name_stays_text_in_the_tree(source_title: str, title: str, name: str) -> None:
    assert_stays_text(source_title, title, name)


@given(source_title=old_ledger_text, title=old_ledger_text, name=old_ledger_text)
# What Graphviz 2.43 refused until service.web.trees worked around it:
@example(source_title="\x1b[31m", title="nul \x00 here", name="\x07")
# A CR LF read back as LF in a node's title but kept in its link's tooltip:
@example(source_title="0", title="0", name="0\r\n")
def test_any_title_or_name_an_old_ledger_holds_stays_text_in_the_tree(
    source_title: str, title: str, name: str
) -> None:
    with before_the_control_character_rule():
        assert_stays_text(source_title, title, name)


def assert_stays_text(source_title: str, title: str, name: str) -> None:
    ledger = open_ledger("memory://")
    ana = ledger.register_member(handle="ana", name=name).id
    source = ledger.contribute(authors=[ana], title=source_title).id
    work = ledger.remix(authors=[ana], title=title, sources=[Citation(source, Relation.REMIX)]).id
    tree = family_tree(LineageGraph.from_ledger(ledger), work)

    svg = ET.fromstring(inline_svg(tree))

    node_titles = {}
    for element in svg.iter():
        assert element.tag.startswith(SVG) and element.tag[len(SVG) :] in DRAWING
        for attribute, value in element.attrib.items():
            assert not attribute.lower().startswith("on") and attribute != "style"
            if attribute.endswith("href"):
                assert value in (f"/works/{source}", f"/works/{work}")
        if element.get("class") == "node":
            said = element.find(f"{SVG}title").text  # type: ignore[union-attr]
            node_titles[element.get("id")] = said
            for anchor in element.iter(f"{SVG}a"):
                assert anchor.get(f"{XLINK}title", "") == said
    shown, source_title, name = (as_parsed(text) for text in (title, source_title, name))
    assert node_titles == {
        str(source): f"{source_title} by {name}",
        str(work): f"{shown} by {name} (this work)",
    }


def test_characters_xml_cannot_hold_are_shown_as_replacement_characters() -> None:
    assert displayable("a\x1bb\x00c\td\ne\uffff") == "a\ufffdb\ufffdc\td\ne\ufffd"
