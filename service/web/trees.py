"""The family tree drawn inline: Graphviz's SVG, rebuilt from an allow-list.

``lineage.render`` draws the tree (labels escaped, every work node a link to
``/works/<id>``). Before the page embeds the drawing, ``inline_svg`` parses it
and writes it out again keeping only the drawing elements Graphviz uses and
their presentation attributes: no script, no ``style``, no ``on...`` handler,
no foreign element, and no link but a work page's. So even a title Graphviz
escaped wrongly could only ever be text. Each node's ``<title>`` (what a screen
reader and a hover show) becomes the work's title and authors, and the drawing
gets a ``<title>`` of its own.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from collections import OrderedDict
from typing import Any

from lineage.drawable import displayable, drawable
from lineage.family_tree import FamilyTree
from lineage.render import render, to_dot

__all__ = ["DRAWINGS_KEPT", "displayable", "inline_svg"]

#: Inline drawings kept (Graphviz takes tens of milliseconds a drawing; a page, a few).
DRAWINGS_KEPT = 128
_kept: OrderedDict[str, str] = OrderedDict()
_kept_lock = threading.Lock()

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", _XLINK)

_ELEMENTS = {"svg", "g", "title", "polygon", "polyline", "path", "ellipse", "text", "a"}
_ATTRIBUTES = {
    "id",
    "class",
    "width",
    "height",
    "viewBox",
    "transform",
    "points",
    "d",
    "cx",
    "cy",
    "rx",
    "ry",
    "x",
    "y",
    "fill",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "text-anchor",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "target",
}
_LINK_ATTRIBUTES = {f"{{{_XLINK}}}href", f"{{{_XLINK}}}title", "href"}
# A work page, optionally with its query (as_of): nothing else may be linked.
_WORK_LINK = re.compile(r"/works/[0-9a-f-]{36}(\?[a-z_]+=[0-9]+)?\Z")


def inline_svg(tree: FamilyTree, *, link: str = "/works/{work_id}") -> str:
    """The tree as an ``<svg>`` element ready to embed in a page (XML-escaped).

    Drawings are kept (the last ``DRAWINGS_KEPT``) by their DOT source, which
    holds everything the drawing shows: a tree viewed again is not drawn again.
    """
    safe = drawable(tree)
    key = to_dot(safe, link=link)
    with _kept_lock:
        kept = _kept.get(key)
        if kept is not None:
            _kept.move_to_end(key)
            return kept
    drawn = _inline(tree, safe, link)
    with _kept_lock:
        _kept[key] = drawn
        while len(_kept) > DRAWINGS_KEPT:
            _kept.popitem(last=False)
    return drawn


def _inline(tree: FamilyTree, safe: FamilyTree, link: str) -> str:
    root = ET.fromstring(render(safe, "svg", link=link))
    _clean(root)
    titles = {node: displayable(_node_title(data)) for node, data in tree.graph.nodes(data=True)}
    _retitle(root, titles)
    focus = tree.graph.nodes[tree.focus]["title"]
    caption = ET.Element(f"{{{_SVG}}}title")
    caption.text = displayable(f"Family tree of {focus}: {len(tree.work_ids)} works shown")
    root.insert(0, caption)
    root.set("role", "group")
    root.set("aria-label", caption.text)
    root.set("class", "family-tree")
    return ET.tostring(root, encoding="unicode")


def _node_title(data: dict[str, Any]) -> str:
    if data["type"] != "work":
        return str(data["title"])
    title = f"{data['title']} by {', '.join(data['authors'])}"
    return f"{title} (this work)" if data["focus"] else title


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _clean(element: ET.Element) -> None:
    for child in list(element):
        if not child.tag.startswith(f"{{{_SVG}}}") or _local(child.tag) not in _ELEMENTS:
            element.remove(child)
            continue
        _clean(child)
    for name in list(element.attrib):
        value = element.attrib[name]
        if name in _LINK_ATTRIBUTES:
            if name.endswith("title"):
                continue
            if not _WORK_LINK.match(value):
                del element.attrib[name]
        elif name not in _ATTRIBUTES:
            del element.attrib[name]


def _retitle(root: ET.Element, titles: dict[str, Any]) -> None:
    for group in root.iter(f"{{{_SVG}}}g"):
        node = group.get("id")
        if node in titles and group.get("class") == "node":
            title = group.find(f"{{{_SVG}}}title")
            if title is not None:
                title.text = titles[node]
            # The link's tooltip too: Graphviz expands escapes such as \N in it.
            for anchor in group.iter(f"{{{_SVG}}}a"):
                anchor.set(f"{{{_XLINK}}}title", titles[node])
