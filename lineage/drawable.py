"""Family trees whose text Graphviz and XML can hold: titles and names are free text.

A title or a member's name may hold anything a person typed. Graphviz refuses some
of it, and an SVG cannot carry some of it; ``drawable`` gives a copy of a tree
whose display values are safe to draw, shown as close to the original as can be.
``lineage.render`` draws only such copies, so the CLI's ``tree``, the API's tree
and the web pages' inline trees all draw whatever a user recorded.
"""

from __future__ import annotations

import re
from dataclasses import replace

from lineage.family_tree import FamilyTree

__all__ = ["displayable", "dot_safe", "drawable"]

# What XML 1.0 cannot hold (C0 controls but tab and line breaks, lone surrogates,
# U+FFFE and U+FFFF): Graphviz refuses a label holding one, and no SVG can carry it.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ONLY_BRACKETS = re.compile(r"\]+")


def displayable(text: str) -> str:
    """``text`` with each character that XML cannot hold shown as U+FFFD, and its
    line endings as LF.

    A parser reads CR LF and CR back as LF in an element's text but keeps them in
    an attribute (where they are written ``&#13;``), so a name ending in CR LF (an
    old ledger's: commands refuse it now) read differently in a node's title and
    its link's tooltip. One line ending, the same everywhere.

    >>> displayable("a\\x1bb\\r\\nc\\rd")
    'a\\ufffdb\\nc\\nd'
    """
    return _NOT_XML.sub("\ufffd", text).replace("\r\n", "\n").replace("\r", "\n")


def dot_safe(text: str) -> str:
    """``text`` with a zero-width space after it where Graphviz 2.43 fails on it.

    Two cases (found by the property test in tests/service/web/test_trees.py): a
    node's DOT tooltip ends with the last author's name, and a final backslash there
    escapes the closing quote; and a label made of nothing but "]" is a syntax error
    to dot's HTML-label parser. The space shows nothing.

    >>> dot_safe("]]") == "]]\\u200b"
    True
    """
    if text.endswith("\\") or _ONLY_BRACKETS.fullmatch(text):
        return text + "\u200b"
    return text


def drawable(tree: FamilyTree) -> FamilyTree:
    """A copy of the tree whose display values Graphviz and XML can hold."""
    graph = tree.graph.copy()
    for _, data in graph.nodes(data=True):
        for key in ("title", "external_id", "license"):
            if isinstance(data.get(key), str):
                data[key] = dot_safe(displayable(data[key]))
        if "authors" in data:
            data["authors"] = tuple(dot_safe(displayable(name)) for name in data["authors"])
    return replace(tree, graph=graph)
