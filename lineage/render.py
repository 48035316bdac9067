"""Drawing and exporting family trees: DOT, SVG, PNG, node-link JSON and GraphML.

DOT, JSON and GraphML are written in Python and always work. SVG and PNG run the
Graphviz ``dot`` program (through the ``graphviz`` package), an optional binary
found on ``PATH`` when it is used; without it they raise
``GraphvizMissingError``, whose message says how to install it.

Drawing conventions (``to_dot``): sources above the works built on them; each
work a rounded box showing its title, credited author(s), kind and external id,
filled by kind with ``KIND_COLOURS`` (pale fills under dark text, each with a
darker border of the same hue, so the text stays legible; the kind is also
written in the node, so colour is never the only cue); a retracted work
grey, dashed and marked "retracted"; the focus work with a double, thick
border; edges labelled with the relation and, when set, the royalty percent.
Every work node has ``id`` = its work id and ``URL`` = ``/works/<work id>``, so
a page embedding the SVG can find nodes and link them to work pages.
"""

from __future__ import annotations

import html
import io
import json
import os
import shutil
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import graphviz  # type: ignore[import-untyped]
import networkx as nx

from ledger.domain.errors import InvalidValueError
from lineage.drawable import drawable
from lineage.errors import LineageError
from lineage.family_tree import FamilyTree

__all__ = [
    "FORMATS",
    "KIND_COLOURS",
    "GraphvizMissingError",
    "UnsupportedFormatError",
    "dot_available",
    "render",
    "to_dot",
    "to_graphml",
    "to_json",
    "write_tree",
]

FORMATS = (".svg", ".png", ".dot", ".json", ".graphml")
"""The file suffixes ``write_tree`` understands."""

KIND_COLOURS: dict[str, tuple[str, str]] = {
    "text": ("#dbe9f6", "#3f6e9e"),  # blue
    "image": ("#fde2c4", "#b8692a"),  # orange
    "audio": ("#d6eed4", "#4a8a47"),  # green
    "video": ("#e7dbf3", "#7752a3"),  # purple
    "other": ("#f5edc0", "#96801f"),  # sand
}
"""Fill and border colour of a work node by its kind."""

_RETRACTED = ("#f0f0f0", "#9a9a9a")
_MORE = ("#ffffff", "#8a8a8a")
_INK = "#1f2933"
_MUTED = "#5f6b76"
_FONT = "Helvetica,Arial,sans-serif"
_LINK = "/works/{work_id}"
_TITLE_WIDTH = 26  # characters per title line: keeps boxes near a 3:1 shape

_INSTALL_HINT = (
    "Graphviz's `dot` program was not found on PATH; it is needed for SVG and PNG. "
    "Install it with `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
    "(macOS) or from https://graphviz.org/download/ . DOT, JSON and GraphML work without it."
)


# These two belong in lineage/errors.py; they live here until that module takes them.
class GraphvizMissingError(LineageError, RuntimeError):
    """Graphviz's ``dot`` program is not installed, so SVG and PNG cannot be drawn."""


class UnsupportedFormatError(LineageError, InvalidValueError):
    """A family tree was asked for in a format (file suffix) that is not supported."""


def dot_available() -> bool:
    """Whether Graphviz's ``dot`` is on ``PATH`` (so ``render`` can draw SVG and PNG)."""
    return shutil.which("dot") is not None


# ---------------------------------------------------------------- DOT


def to_dot(tree: FamilyTree, *, link: str = _LINK) -> str:
    """The family tree as Graphviz DOT source (see the module docstring for the style).

    Parameters
    ----------
    tree : FamilyTree
        The tree to draw.
    link : str
        The link of a work node; ``{work_id}`` is replaced by the work's id.

    Returns
    -------
    str
        A ``digraph`` in the DOT language.

    Examples
    --------
    >>> from ledger import open_ledger
    >>> from lineage.family_tree import family_tree
    >>> from lineage.graph import LineageGraph
    >>> ledger = open_ledger("memory://")
    >>> ana = ledger.register_member(handle="ana", name="Ana").id
    >>> story = ledger.contribute(authors=[ana], title="Story").id
    >>> dot = to_dot(family_tree(LineageGraph.from_ledger(ledger), story))
    >>> dot.startswith("digraph family_tree {")
    True
    >>> f'URL="/works/{story}"' in dot and f'id="{story}"' in dot
    True
    """
    return str(_digraph(tree, link).source)


def _digraph(tree: FamilyTree, link: str) -> Any:
    tree = drawable(tree)  # titles and names are free text: see lineage.drawable
    graph = tree.graph
    dot = graphviz.Digraph(
        "family_tree",
        graph_attr={
            "rankdir": "TB",
            "bgcolor": "white",
            "fontname": _FONT,
            "nodesep": "0.35",
            "ranksep": "0.55",
            "pad": "0.3",
            "label": _legend(tree),
            "labelloc": "b",
            "labeljust": "c",
        },
        node_attr={
            "shape": "box",
            "style": "rounded,filled",
            "fontname": _FONT,
            "fontcolor": _INK,
            "margin": "0.14,0.07",
            "penwidth": "1.2",
        },
        edge_attr={
            "fontname": _FONT,
            "fontsize": "9",
            "fontcolor": _MUTED,
            "color": "#7b8794",
            "arrowsize": "0.7",
        },
    )
    for node, data in graph.nodes(data=True):
        if data["type"] == "work":
            dot.node(node, _work_label(data), **_work_style(node, data, link))
        else:
            dot.node(node, _more_label(data), **_more_style(node, data))
    for source, derived, data in graph.edges(data=True):
        if data["type"] == "citation":
            dot.edge(source, derived, label=_relation_label(data))
        else:
            dot.edge(source, derived, style="dashed", color="#b0b8c0", arrowhead="none")
    return dot


def _work_label(data: dict[str, Any]) -> str:
    title = "<BR/>".join(_html(line) for line in textwrap.wrap(data["title"], _TITLE_WIDTH) or [""])
    authors = _html(", ".join(data["authors"]))
    details = " · ".join(
        part for part in (data["kind"], data["external_id"], _retracted(data)) if part
    )
    return (
        f'<<FONT POINT-SIZE="12"><B>{title}</B></FONT><BR/>'
        f'<FONT POINT-SIZE="10">{authors}</FONT><BR/>'
        f'<FONT POINT-SIZE="9" COLOR="{_MUTED}">{_html(details)}</FONT>>'
    )


def _html(text: str) -> str:
    """Text for an HTML-like label, drawn as written.

    Graphviz expands ``\\N``, ``\\G``, ``\\L``, ``\\E``, ``\\T`` and ``\\H`` in
    labels (the node's id, the graph's name...) after it has decoded entities, so a
    backslash is doubled, not written ``&#92;``: a title ``T1 \\N`` stays ``T1 \\N``.
    """
    return html.escape(text).replace("\\", "\\\\")


def _tooltip(text: str) -> Any:
    """Text for a tooltip, drawn as written: Graphviz reads a tooltip's escapes twice,
    so each backslash is written four times (checked with ``dot -Tsvg`` 2.43)."""
    return graphviz.nohtml(text.replace("\\", "\\\\\\\\"))


def _retracted(data: dict[str, Any]) -> str:
    return "retracted" if data["retracted"] else ""


def _work_style(node: str, data: dict[str, Any], link: str) -> dict[str, str]:
    fill, border = (
        _RETRACTED if data["retracted"] else KIND_COLOURS.get(data["kind"], KIND_COLOURS["other"])
    )
    style = {
        "id": node,
        "URL": link.format(work_id=node),
        "target": "_top",  # leave an <object>/<iframe> embedding for the work page
        # nohtml: a title in angle brackets must stay text, not become HTML.
        "tooltip": _tooltip(f"{data['title']} by {', '.join(data['authors'])}"),
        "fillcolor": fill,
        "color": border,
    }
    if data["retracted"]:
        style.update(style="rounded,filled,dashed", fontcolor="#6b6b6b")
    if data["focus"]:
        style.update(peripheries="2", penwidth="2.2")
    return style


def _more_label(data: dict[str, Any]) -> str:
    return f'<<FONT POINT-SIZE="10" COLOR="{_MUTED}"><I>{_html(data["title"])}</I></FONT>>'


def _more_style(node: str, data: dict[str, Any]) -> dict[str, str]:
    fill, border = _MORE
    return {
        "id": node,
        "style": "rounded,dashed,filled",
        "fillcolor": fill,
        "color": border,
        "tooltip": _tooltip(f"{data['title']} (not shown)"),
    }


def _relation_label(data: dict[str, Any]) -> str:
    percent = data.get("royalty_percent")
    text = str(data["relation"]) if percent is None else f"{data['relation']} {_percent(percent)}%"
    # dot sets an edge label flush against its line; the spaces give it air.
    return f"  {text}"


def _percent(value: Decimal) -> str:
    # 12.50 -> "12.5", 10 -> "10": the exact value, without trailing zeros or exponent.
    return format(value.normalize(), "f")


def _legend(tree: FamilyTree) -> str:
    # Only the colours the drawing uses: a retracted work is grey, whatever its kind.
    works = [data for _, data in tree.graph.nodes(data=True) if data["type"] == "work"]
    kinds = sorted({str(data["kind"]) for data in works if not data["retracted"]})
    cells = [(kind, *KIND_COLOURS.get(kind, KIND_COLOURS["other"])) for kind in kinds]
    if any(data["retracted"] for data in works):
        cells.append(("retracted", *_RETRACTED))
    row = "".join(
        f'<TD BGCOLOR="{fill}" COLOR="{border}" BORDER="1" STYLE="rounded">'
        f'<FONT POINT-SIZE="9">&#160;{html.escape(name)}&#160;</FONT></TD>'
        for name, fill, border in cells
    )
    focus = _html(str(tree.graph.nodes[tree.focus]["title"]))
    # The swatches sit in a table of their own, so the caption's width does not
    # stretch them unevenly.
    caption = f'<FONT POINT-SIZE="10" COLOR="{_MUTED}">Family tree of <I>{focus}</I></FONT>'
    swatches = f'<TABLE BORDER="0" CELLSPACING="6" CELLPADDING="3"><TR>{row}</TR></TABLE>'
    return (
        '<<TABLE BORDER="0" CELLSPACING="2" CELLPADDING="0">'
        f"<TR><TD>{caption}</TD></TR><TR><TD>{swatches}</TD></TR></TABLE>>"
    )


# ---------------------------------------------------------------- SVG, PNG


def render(tree: FamilyTree, fmt: str, *, link: str = _LINK) -> bytes:
    """Draw the family tree with Graphviz ``dot``, as ``"svg"`` or ``"png"``.

    Parameters
    ----------
    tree : FamilyTree
        The tree to draw.
    fmt : {"svg", "png"}
        The output format.
    link : str
        The link of a work node, as in ``to_dot``.

    Returns
    -------
    bytes
        The image (SVG is UTF-8 XML).

    Raises
    ------
    GraphvizMissingError
        If ``dot`` is not on ``PATH``; the message says how to install it.
    UnsupportedFormatError
        For any other format.
    """
    if fmt not in ("svg", "png"):
        raise UnsupportedFormatError(f"cannot render {fmt!r}; render draws 'svg' or 'png'")
    dot = _digraph(tree, link)
    if fmt == "png":
        dot.graph_attr["dpi"] = "144"  # twice the default: sharp on high-density screens
    try:
        image: bytes = dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizMissingError(_INSTALL_HINT) from None
    return image


# ---------------------------------------------------------------- JSON, GraphML


def to_json(tree: FamilyTree) -> str:
    """The family tree as node-link JSON (the shape d3's force layouts read).

    Node ids are the work ids (strings); edges are under ``"links"``; tuples
    become lists and royalty percents exact decimal strings (``"12.5"``). Read it
    back with ``networkx.node_link_graph(data, edges="links")``.

    Examples
    --------
    >>> from ledger import open_ledger
    >>> from lineage.family_tree import family_tree
    >>> from lineage.graph import LineageGraph
    >>> ledger = open_ledger("memory://")
    >>> ana = ledger.register_member(handle="ana", name="Ana").id
    >>> story = ledger.contribute(authors=[ana], title="Story").id
    >>> data = json.loads(to_json(family_tree(LineageGraph.from_ledger(ledger), story)))
    >>> data["nodes"][0]["title"], data["nodes"][0]["authors"], data["links"]
    ('Story', ['Ana'], [])
    """
    data = nx.node_link_data(_plain_graph(tree, _json_value), edges="links")
    return json.dumps(data, ensure_ascii=False, indent=2)


def to_graphml(tree: FamilyTree) -> str:
    """The family tree as GraphML (for Gephi, yEd, Cytoscape; ``networkx.read_graphml``).

    GraphML holds only strings, numbers and booleans: authors are joined with
    ``"; "``, royalty percents are decimal strings, and absent values are left out.

    Examples
    --------
    >>> from ledger import open_ledger
    >>> from lineage.family_tree import family_tree
    >>> from lineage.graph import LineageGraph
    >>> ledger = open_ledger("memory://")
    >>> ana = ledger.register_member(handle="ana", name="Ana").id
    >>> story = ledger.contribute(authors=[ana], title="Story").id
    >>> to_graphml(family_tree(LineageGraph.from_ledger(ledger), story)).startswith("<?xml")
    True
    """
    buffer = io.BytesIO()
    nx.write_graphml(_plain_graph(tree, _graphml_value), buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


def _plain_graph(tree: FamilyTree, convert: Any) -> nx.DiGraph[str]:
    plain: nx.DiGraph[str] = nx.DiGraph(
        focus=tree.focus,
        hidden_ancestors=tree.hidden_ancestors,
        hidden_descendants=tree.hidden_descendants,
    )
    for node, data in tree.graph.nodes(data=True):
        plain.add_node(node, **_converted(data, convert))
    for source, derived, data in tree.graph.edges(data=True):
        plain.add_edge(source, derived, **_converted(data, convert))
    return plain


def _converted(data: dict[str, Any], convert: Any) -> dict[str, Any]:
    converted = {key: convert(value) for key, value in data.items()}
    return {key: value for key, value in converted.items() if value is not None}


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Decimal):
        return _percent(value)
    return value


def _graphml_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return "; ".join(value)
    if isinstance(value, Decimal):
        return _percent(value)
    return value


# ---------------------------------------------------------------- files


def write_tree(tree: FamilyTree, path: str | os.PathLike[str]) -> Path:
    """Write the family tree to ``path``, in the format its suffix names.

    Parameters
    ----------
    tree : FamilyTree
        The tree to write.
    path : str or PathLike
        Where; the suffix chooses the format: one of ``FORMATS``.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    UnsupportedFormatError
        If the suffix is not one of ``FORMATS`` (nothing is written).
    GraphvizMissingError
        For ``.svg`` and ``.png`` when Graphviz is not installed.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in (".svg", ".png"):
        target.write_bytes(render(tree, suffix[1:]))
    elif suffix == ".dot":
        target.write_text(to_dot(tree), encoding="utf-8")
    elif suffix == ".json":
        target.write_text(to_json(tree), encoding="utf-8")
    elif suffix == ".graphml":
        target.write_text(to_graphml(tree), encoding="utf-8")
    else:
        raise UnsupportedFormatError(
            f"cannot write a family tree to {target.name!r}; use one of: {', '.join(FORMATS)}"
        )
    return target
