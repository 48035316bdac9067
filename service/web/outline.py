"""The family tree as nested lists of links: what the work page shows without Graphviz.

The picture needs Graphviz's ``dot``; a machine without it still has the
lineage. ``lineage_outline`` turns the same ``FamilyTree`` the picture is drawn
from into two nested lists: the sources of the work (each with its own sources
under it) and its remixes (each with its own remixes under it). Every work is a
link to its page. In a lineage with diamonds a work is reached by more than one
path; it is listed again each time but its branch is spelled out only once, so
the lists stay as small as the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lineage.family_tree import FamilyTree

__all__ = ["OutlineItem", "lineage_outline"]


@dataclass
class OutlineItem:
    """One entry of the outline: a work (``id`` set) or a "+N more" note (``id`` None)."""

    title: str
    id: str | None = None
    relation: str = ""
    # True where the work's branch was already spelled out above.
    repeated: bool = False
    children: list[OutlineItem] = field(default_factory=list)


def lineage_outline(tree: FamilyTree) -> tuple[list[OutlineItem], list[OutlineItem]]:
    """The sources and the remixes of ``tree.focus``, each nested by generation."""
    graph = tree.graph

    def branch(node: str, upward: bool, seen: set[str]) -> list[OutlineItem]:
        neighbours = graph.predecessors(node) if upward else graph.successors(node)
        items = []
        for other in sorted(neighbours, key=lambda n: (graph.nodes[n]["title"], n)):
            data = graph.nodes[other]
            edge = graph.edges[(other, node) if upward else (node, other)]
            if data["type"] != "work":
                items.append(OutlineItem(title=str(data["title"])))
                continue
            item = OutlineItem(
                title=str(data["title"]), id=other, relation=str(edge.get("relation", ""))
            )
            if other in seen:
                item.repeated = True
            else:
                seen.add(other)
                item.children = branch(other, upward, seen)
            items.append(item)
        return items

    return branch(tree.focus, True, set()), branch(tree.focus, False, set())
