"""The inline family tree: whatever the titles and names, it is SVG drawing and text only."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ledger import Citation, Relation, open_ledger
from lineage.family_tree import family_tree
from lineage.graph import LineageGraph
from lineage.render import dot_available
from service.web.trees import displayable, inline_svg

pytestmark = pytest.mark.skipif(not dot_available(), reason="Graphviz `dot` is not installed")

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
DRAWING = {"svg", "g", "title", "polygon", "polyline", "path", "ellipse", "text", "a"}
titles = st.text(min_size=1, max_size=60).filter(lambda text: text.strip() != "")
names = st.text(min_size=1, max_size=30).filter(lambda text: text.strip() != "")


def as_parsed(text: str) -> str:
    """What an XML parser reads back: XML's characters, line breaks normalised to LF."""
    return displayable(text).replace("\r\n", "\n").replace("\r", "\n")


@given(source_title=titles, title=titles, name=names)
# What Graphviz 2.43 refused until service.web.trees worked around it:
@example(source_title="]", title="]]", name="ends in a backslash\\")
@example(source_title="\x1b[31m", title="nul \x00 here", name="\x07")
def test_any_title_or_name_stays_text_in_the_tree(source_title: str, title: str, name: str) -> None:
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
                # (An attribute keeps a CR that text content reads back as LF.)
                assert anchor.get(f"{XLINK}title", "").replace("\r", "\n") == said
    shown, source_title, name = (as_parsed(text) for text in (title, source_title, name))
    assert node_titles == {
        str(source): f"{source_title} by {name}",
        str(work): f"{shown} by {name} (this work)",
    }


def test_characters_xml_cannot_hold_are_shown_as_replacement_characters() -> None:
    assert displayable("a\x1bb\x00c\td\ne\uffff") == "a\ufffdb\ufffdc\td\ne\ufffd"
