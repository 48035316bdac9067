"""Drawing family trees: DOT content, SVG and PNG from the real `dot`, JSON and GraphML."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import networkx as nx
import pytest

from ledger import Citation, Ledger, Relation, open_ledger
from ledger.archive import import_archive
from lineage.family_tree import MORE_ANCESTORS, MORE_DESCENDANTS, FamilyTree, family_tree
from lineage.graph import LineageGraph
from lineage.render import (
    FORMATS,
    KIND_COLOURS,
    GraphvizMissingError,
    UnsupportedFormatError,
    render,
    to_dot,
    to_graphml,
    to_json,
    write_tree,
)
from tests.conftest import SAMPLE
from tests.recorded_before import before_the_control_character_rule

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz `dot` is not installed (apt-get install graphviz / brew install graphviz)",
)

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


@pytest.fixture(scope="module")
def sample() -> Iterator[tuple[Ledger, LineageGraph]]:
    ledger = open_ledger("memory://")
    with SAMPLE.open(encoding="utf-8") as lines:
        import_archive(ledger, lines)
    yield ledger, LineageGraph.from_ledger(ledger)
    ledger.close()


@pytest.fixture(scope="module")
def chain(sample: tuple[Ledger, LineageGraph]) -> FamilyTree:
    """rec-0109 and its seven generations of ancestors."""
    ledger, lineage = sample
    return family_tree(lineage, ledger.find_work("rec-0109"))


class Studio:
    """A story, an illustration of it (15%), a retracted audio remix, by three members."""

    def __init__(self) -> None:
        self.ledger = open_ledger("memory://")
        ana = self.ledger.register_member(handle="ana", name="Ana").id
        ben = self.ledger.register_member(handle="ben", name="Ben & Co").id
        gwen = self.ledger.register_member(handle="gwen", name="Gwen").id
        self.ledger.set_credit_preference(gwen, "none")
        self.story = self.ledger.contribute(authors=[ana], title="<Tiny> & brave").id
        self.drawing = self.ledger.remix(
            authors=[ben],
            title="Drawing",
            kind="image",
            sources=[Citation(self.story, Relation.ILLUSTRATION, Citation.parse_percent("15"))],
        ).id
        self.song = self.ledger.remix(
            authors=[gwen],
            title="Song",
            kind="audio",
            sources=[Citation(self.drawing, Relation.AUDIO)],
        ).id
        self.ledger.retract_work(self.song)
        self.lineage = LineageGraph.from_ledger(self.ledger)

    def tree(self, focus: UUID | None = None, **limits: int) -> FamilyTree:
        return family_tree(self.lineage, focus or self.drawing, **limits)


@pytest.fixture
def studio() -> Iterator[Studio]:
    made = Studio()
    yield made
    made.ledger.close()


def node_statement(dot: str, node: str) -> str:
    """The DOT statement that declares ``node`` (one line, as the graphviz package writes it)."""
    (line,) = [line for line in dot.splitlines() if line.strip().startswith(f'"{node}" [')]
    return line


def attribute(statement: str, name: str) -> str | None:
    found = re.search(rf'\b{name}=("(?:[^"\\]|\\.)*"|[^\s\]]+)', statement)
    return found.group(1).strip('"') if found else None


# ---------------------------------------------------------------- DOT


def test_dot_fills_each_work_with_the_colour_of_its_kind(studio: Studio) -> None:
    dot = to_dot(studio.tree())

    assert attribute(node_statement(dot, str(studio.story)), "fillcolor") == KIND_COLOURS["text"][0]
    assert (
        attribute(node_statement(dot, str(studio.drawing)), "fillcolor") == KIND_COLOURS["image"][0]
    )
    assert len({fill for fill, _ in KIND_COLOURS.values()}) == len(KIND_COLOURS)


def test_dot_nodes_show_title_credited_authors_and_kind(studio: Studio) -> None:
    dot = to_dot(studio.tree())

    story = node_statement(dot, str(studio.story))
    assert "&lt;Tiny&gt; &amp; brave" in story  # escaped inside the HTML-like label
    assert ">Ana<" in story and ">text<" in story
    assert "Ben &amp; Co" in node_statement(dot, str(studio.drawing))
    assert ">Anonymous<" in node_statement(dot, str(studio.song))
    assert "Gwen" not in dot


def test_dot_marks_only_the_focus_with_a_double_border(studio: Studio) -> None:
    dot = to_dot(studio.tree())

    assert attribute(node_statement(dot, str(studio.drawing)), "peripheries") == "2"
    assert attribute(node_statement(dot, str(studio.story)), "peripheries") is None
    assert dot.count("peripheries=") == 1


def test_dot_draws_a_retracted_work_dashed_and_grey(studio: Studio) -> None:
    song = node_statement(to_dot(studio.tree()), str(studio.song))

    assert "dashed" in (attribute(song, "style") or "")
    assert attribute(song, "fillcolor") == "#f0f0f0"
    assert "retracted" in song


def test_dot_legend_shows_only_the_colours_the_drawing_uses(studio: Studio) -> None:
    (graph_line,) = [line for line in to_dot(studio.tree()).splitlines() if "graph [" in line]
    legend = set(re.findall(r"&#160;(\w+)&#160;", graph_line))

    assert legend == {"text", "image", "retracted"}  # the audio work is retracted, so grey
    assert "Family tree of <I>Drawing</I>" in graph_line


def test_dot_labels_edges_with_the_relation_and_the_percent(studio: Studio) -> None:
    dot = to_dot(studio.tree())

    assert f'"{studio.story}" -> "{studio.drawing}" [label="  illustration 15%"]' in dot
    assert f'"{studio.drawing}" -> "{studio.song}" [label="  audio"]' in dot


def test_dot_links_each_work_node_to_its_page_by_id(studio: Studio) -> None:
    dot = to_dot(studio.tree())

    assert "rankdir=TB" in dot
    for work in (studio.story, studio.drawing, studio.song):
        statement = node_statement(dot, str(work))
        assert attribute(statement, "URL") == f"/works/{work}"
        assert attribute(statement, "id") == str(work)


def test_dot_link_template_can_point_elsewhere(studio: Studio) -> None:
    dot = to_dot(studio.tree(), link="https://studio.example/w/{work_id}")

    assert attribute(node_statement(dot, str(studio.story)), "URL") == (
        f"https://studio.example/w/{studio.story}"
    )


def test_dot_draws_the_more_nodes_dashed_without_a_link(studio: Studio) -> None:
    dot = to_dot(studio.tree(up=0, down=0))

    for marker, text in (
        (MORE_ANCESTORS, "+1 more ancestor"),
        (MORE_DESCENDANTS, "+1 more descendant"),
    ):
        statement = node_statement(dot, marker)
        assert text in statement
        assert "dashed" in (attribute(statement, "style") or "")
        assert attribute(statement, "URL") is None


# ---------------------------------------------------------------- SVG, PNG


def svg_node_groups(svg: bytes) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]


@needs_dot
def test_svg_has_one_node_group_per_work_each_with_the_work_id(chain: FamilyTree) -> None:
    groups = svg_node_groups(render(chain, "svg"))

    assert len(groups) == len(chain.work_ids) == 8
    assert sorted(g.get("id") or "" for g in groups) == sorted(chain.work_ids)


@needs_dot
def test_svg_node_groups_link_to_the_work_pages(chain: FamilyTree) -> None:
    for group in svg_node_groups(render(chain, "svg")):
        links = [a.get(XLINK_HREF) for a in group.iter(f"{SVG}a")]
        assert links == [f"/works/{group.get('id')}"]


@needs_dot
def test_svg_has_a_node_group_for_the_more_node_too(sample: tuple[Ledger, LineageGraph]) -> None:
    ledger, lineage = sample
    tree = family_tree(lineage, ledger.find_work("rec-0109"), up=3)

    ids = [g.get("id") for g in svg_node_groups(render(tree, "svg"))]

    assert len(ids) == 5
    assert MORE_ANCESTORS in ids


@needs_dot
def test_png_starts_with_the_png_signature(chain: FamilyTree) -> None:
    assert render(chain, "png").startswith(b"\x89PNG\r\n\x1a\n")


@needs_dot
def test_write_tree_chooses_the_format_by_suffix(chain: FamilyTree, tmp_path: Path) -> None:
    written = {suffix: write_tree(chain, tmp_path / f"tree{suffix}") for suffix in FORMATS}

    assert written[".svg"].read_bytes().lstrip().startswith(b"<?xml")
    assert written[".png"].read_bytes().startswith(b"\x89PNG")
    assert written[".dot"].read_text(encoding="utf-8").startswith("digraph family_tree {")
    assert json.loads(written[".json"].read_text(encoding="utf-8"))["directed"] is True
    assert nx.read_graphml(written[".graphml"]).number_of_nodes() == 8


def test_without_dot_svg_fails_saying_how_to_install_it_but_text_formats_work(
    chain: FamilyTree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty PATH is what a user without Graphviz has: the graphviz package finds no `dot`."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))

    with pytest.raises(GraphvizMissingError) as raised:
        render(chain, "svg")
    with pytest.raises(GraphvizMissingError):
        write_tree(chain, tmp_path / "tree.png")

    message = str(raised.value)
    assert "apt-get install graphviz" in message
    assert "brew install graphviz" in message
    assert "https://graphviz.org/download/" in message
    for suffix in (".dot", ".json", ".graphml"):
        assert write_tree(chain, tmp_path / f"tree{suffix}").stat().st_size > 0
    assert not (tmp_path / "tree.png").exists()


def test_an_unknown_suffix_or_format_is_refused_listing_the_allowed_ones(
    chain: FamilyTree, tmp_path: Path
) -> None:
    with pytest.raises(UnsupportedFormatError, match=r"\.svg, \.png, \.dot, \.json, \.graphml"):
        write_tree(chain, tmp_path / "tree.pdf")
    with pytest.raises(UnsupportedFormatError, match="'svg' or 'png'"):
        render(chain, "pdf")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- JSON, GraphML


def test_json_is_node_link_data_that_networkx_reads_back(studio: Studio) -> None:
    tree = studio.tree(up=0)
    data = json.loads(to_json(tree))

    graph = nx.node_link_graph(data, edges="links")

    assert set(graph.nodes) == set(tree.graph.nodes)
    assert set(graph.edges) == set(tree.graph.edges)
    assert graph.graph == {
        "focus": str(studio.drawing),
        "hidden_ancestors": 1,
        "hidden_descendants": 0,
    }
    drawing = graph.nodes[str(studio.drawing)]
    assert drawing["authors"] == ["Ben & Co"]
    assert (drawing["focus"], drawing["distance"], drawing["kind"]) == (True, 0, "image")
    assert graph.nodes[MORE_ANCESTORS]["hidden"] == 1


def test_json_keeps_the_royalty_percent_exact_as_a_string(studio: Studio) -> None:
    data = json.loads(to_json(studio.tree()))

    (link,) = [link for link in data["links"] if link["target"] == str(studio.drawing)]
    assert link == {
        "source": str(studio.story),
        "target": str(studio.drawing),
        "type": "citation",
        "relation": "illustration",
        "royalty_percent": "15",
    }


def test_graphml_reads_back_with_networkx_with_typed_values(studio: Studio, tmp_path: Path) -> None:
    path = tmp_path / "tree.graphml"
    path.write_text(to_graphml(studio.tree()), encoding="utf-8")

    graph = nx.read_graphml(path)

    assert set(graph.nodes) == {str(studio.story), str(studio.drawing), str(studio.song)}
    song = graph.nodes[str(studio.song)]
    assert song["retracted"] is True
    assert song["distance"] == 1
    assert song["authors"] == "Anonymous"
    assert "external_id" not in song  # absent values are left out, not written as "None"
    assert graph.edges[str(studio.story), str(studio.drawing)]["royalty_percent"] == "15"
    assert "royalty_percent" not in graph.edges[str(studio.drawing), str(studio.song)]


@needs_dot
@pytest.mark.parametrize(
    "title",
    ["escape \x1b and nul \x00 inside", "]", "]]]", "ends in a backslash\\", "graphviz \\N \\G"],
)
def test_any_recorded_title_or_name_is_drawn(title: str) -> None:
    """Titles and names are free text: what Graphviz or XML cannot hold (an old
    ledger's control characters) is drawn as close to it as can be
    (lineage.drawable), never a failed `dot`."""
    ledger = open_ledger("memory://")
    try:
        with before_the_control_character_rule():
            author = ledger.register_member(handle="ana", name=title).id
            work = ledger.contribute(authors=[author], title=title).id
        tree = family_tree(LineageGraph.from_ledger(ledger), work)
        svg = render(tree, "svg")
        ET.fromstring(svg)  # well-formed XML
        assert render(tree, "png").startswith(b"\x89PNG")
    finally:
        ledger.close()


@needs_dot
@pytest.mark.parametrize("title", ["T1 \\N \\G \\L", "\\E \\T \\H", "ends in \\", "a \\\\ b"])
def test_svg_draws_titles_and_names_with_backslashes_as_written(title: str) -> None:
    """Graphviz expands \\N (the node id), \\G (the graph name), \\L... in labels."""
    led = open_ledger("memory://")
    ana = led.register_member(handle="ana", name="Ann \\N").id
    work = led.contribute(authors=[ana], title=title).id
    tree = family_tree(LineageGraph.from_ledger(led), work)
    svg = ET.fromstring(render(tree, "svg"))
    # (A final backslash gets a zero-width space after it: see lineage.drawable.dot_safe.)
    texts = [(element.text or "").replace("\u200b", "") for element in svg.iter(f"{SVG}text")]
    assert title in texts
    assert "Ann \\N" in texts
    assert f"Family tree of {title}" in "".join(texts)
    (anchor,) = svg.iter(f"{SVG}a")
    tooltip = anchor.get("{http://www.w3.org/1999/xlink}title", "").replace("\u200b", "")
    assert tooltip == f"{title} by Ann \\N"
    assert str(work) not in "".join(texts)
