"""Family trees: the works around one focus work, ready to be drawn or exported.

``family_tree`` selects the focus work, its ancestors up to ``up`` generations and
its descendants down to ``down`` generations, keeps at most ``max_nodes`` works
(nearest generations first), and returns a ``FamilyTree``: a small
``networkx.DiGraph`` keyed by the works' ids as strings, whose attributes are
display values (credited names, not member ids), so renderers and exporters need
no access to the ledger.

Works that exist but are not shown, beyond a depth limit or over the cap, are
summarised by at most one synthetic node per side (``"+N more ancestors"`` and
``"+N more descendants"``), linked to the shown works they would hang from.

Node attributes of a work: ``type`` ("work"), ``title``, ``authors`` (tuple of
credited names, "Anonymous" for a member who asked for no credit), ``kind``,
``external_id``, ``license``, ``created_at`` (ISO 8601), ``retracted`` (bool),
``distance`` (negative for ancestors, 0 for the focus, positive for descendants)
and ``focus`` (bool). A synthetic node has ``type`` "more", ``side``
("ancestors" or "descendants"), ``hidden`` (N), ``title`` and ``distance``.
Edges (``source -> derived``) carry ``type`` ("citation"), ``relation`` and
``royalty_percent`` (a Decimal or None); edges to or from a synthetic node have
``type`` "more".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import networkx as nx

from ledger.domain.errors import InvalidValueError, UnknownWorkError
from lineage.graph import LineageGraph

__all__ = [
    "ANONYMOUS",
    "MORE_ANCESTORS",
    "MORE_DESCENDANTS",
    "FamilyTree",
    "credited_name",
    "family_tree",
]

ANONYMOUS = "Anonymous"
"""How a member who asked for no credit is shown."""

MORE_ANCESTORS = "more-ancestors"
"""The node id of the synthetic node that stands for the ancestors not shown."""

MORE_DESCENDANTS = "more-descendants"
"""The node id of the synthetic node that stands for the descendants not shown."""

Side = Literal["ancestors", "descendants"]


@dataclass(frozen=True, slots=True)
class FamilyTree:
    """The works around a focus work, with display attributes (see the module docstring)."""

    graph: nx.DiGraph[str]
    focus: str
    hidden_ancestors: int = 0
    hidden_descendants: int = 0

    @property
    def work_ids(self) -> list[str]:
        """The ids of the works shown (the synthetic "+N more" nodes left out)."""
        return [node for node, data in self.graph.nodes(data=True) if data["type"] == "work"]


def credited_name(lineage: LineageGraph, member_id: UUID, as_of: int | None = None) -> str:
    """The name a member is shown under: their credited name, or "Anonymous".

    Parameters
    ----------
    lineage : LineageGraph
        The lineage that knows the member's credit preferences over time.
    member_id : UUID
        The member.
    as_of : int, optional
        The position at which to read the preference (the latest when None).

    Returns
    -------
    str
        The name, the pseudonym, or ``ANONYMOUS`` when the member asked for no credit.

    Examples
    --------
    >>> from ledger import open_ledger
    >>> ledger = open_ledger("memory://")
    >>> gwen = ledger.register_member(handle="ghostwriter", name="Gwen").id
    >>> _ = ledger.set_credit_preference(gwen, "none")
    >>> credited_name(LineageGraph.from_ledger(ledger), gwen)
    'Anonymous'
    """
    name = lineage.contributor(member_id, as_of).credited_as
    return ANONYMOUS if name is None else name


def family_tree(
    lineage: LineageGraph,
    work_id: UUID,
    up: int | None = None,
    down: int | None = None,
    max_nodes: int = 200,
    as_of: int | None = None,
) -> FamilyTree:
    """Select the family tree around ``work_id``: its ancestors and its descendants.

    Parameters
    ----------
    lineage : LineageGraph
        The lineage to select from.
    work_id : UUID
        The focus work.
    up, down : int, optional
        How many generations of ancestors (sources) and descendants (remixes) to
        show; None shows them all, 0 none.
    max_nodes : int
        The most works to show, the focus included. Nearer generations are kept
        first; within a generation, works recorded earlier come first. The
        synthetic "+N more" nodes (at most two) are not counted.
    as_of : int, optional
        Show the lineage as it was at this position (the latest when None).

    Returns
    -------
    FamilyTree

    Raises
    ------
    UnknownWorkError
        If no work has the id (as of ``as_of``).
    InvalidValueError
        If ``up`` or ``down`` is negative or ``max_nodes`` is below 1.

    Examples
    --------
    >>> from ledger import Citation, Relation, open_ledger
    >>> ledger = open_ledger("memory://")
    >>> ana = ledger.register_member(handle="ana", name="Ana").id
    >>> story = ledger.contribute(authors=[ana], title="Story").id
    >>> drawing = ledger.remix(
    ...     authors=[ana], title="Drawing", kind="image",
    ...     sources=[Citation(story, Relation.ILLUSTRATION)],
    ... ).id
    >>> tree = family_tree(LineageGraph.from_ledger(ledger), drawing, up=0)
    >>> [tree.graph.nodes[node]["title"] for node in tree.graph]
    ['Drawing', '+1 more ancestor']
    >>> tree.hidden_ancestors
    1
    """
    _check_limits(up, down, max_nodes)
    if not lineage.has_work(work_id, as_of):
        raise UnknownWorkError(f"no work has id {work_id}")
    graph = lineage.view(as_of)
    ancestors = lineage.ancestors(work_id, as_of=as_of)
    descendants = lineage.descendants(work_id, as_of=as_of)

    # Signed distance: ancestors negative, so one number places a work on its side.
    candidates = [(work, -d) for work, d in ancestors.items() if up is None or d <= up]
    candidates += [(work, d) for work, d in descendants.items() if down is None or d <= down]
    position, number = lineage.position_at, lineage.number
    candidates.sort(key=lambda item: (abs(item[1]), position(number(item[0]))))
    shown: dict[UUID, int] = {work_id: 0}
    shown.update(candidates[: max_nodes - 1])

    tree: nx.DiGraph[str] = nx.DiGraph()
    for work, distance in shown.items():
        tree.add_node(str(work), **_work_attributes(lineage, work, distance, as_of))
    shown_numbers = [number(work) for work in shown]
    for source, derived, edge in graph.subgraph(shown_numbers).edges(data=True):
        tree.add_edge(
            str(lineage.work_id(source)),
            str(lineage.work_id(derived)),
            type="citation",
            relation=edge["relation"],
            royalty_percent=edge["royalty_percent"],
        )

    hidden_up = {work: d for work, d in ancestors.items() if work not in shown}
    hidden_down = {work: d for work, d in descendants.items() if work not in shown}
    _add_more_node(tree, lineage, as_of, shown, hidden_up, "ancestors")
    _add_more_node(tree, lineage, as_of, shown, hidden_down, "descendants")
    return FamilyTree(tree, str(work_id), len(hidden_up), len(hidden_down))


def _check_limits(up: int | None, down: int | None, max_nodes: int) -> None:
    for name, value in (("up", up), ("down", down)):
        if value is not None and value < 0:
            raise InvalidValueError(f"{name} must be 0 or more generations, not {value}")
    if max_nodes < 1:
        raise InvalidValueError(f"max_nodes must be at least 1 (the focus work), not {max_nodes}")


def _work_attributes(
    lineage: LineageGraph, work: UUID, distance: int, as_of: int | None
) -> dict[str, object]:
    node = lineage.work(work)
    return {
        "type": "work",
        "title": node["title"],
        "authors": tuple(credited_name(lineage, author, as_of) for author in node["authors"]),
        "kind": node["kind"],
        "external_id": node["external_id"],
        "license": node["license"],
        "created_at": node["created_at"].isoformat(),
        "retracted": lineage.is_retracted(work, as_of),
        "distance": distance,
        "focus": distance == 0,
    }


def _add_more_node(
    tree: nx.DiGraph[str],
    lineage: LineageGraph,
    as_of: int | None,
    shown: dict[UUID, int],
    hidden: dict[UUID, int],
    side: Side,
) -> None:
    if not hidden:
        return
    upward = side == "ancestors"
    node = MORE_ANCESTORS if upward else MORE_DESCENDANTS
    nearest = min(hidden.values())
    tree.add_node(
        node,
        type="more",
        side=side,
        hidden=len(hidden),
        title=f"+{len(hidden)} more {side if len(hidden) > 1 else side[:-1]}",
        distance=-nearest if upward else nearest,
    )
    # Hang the node from every shown work that has a hidden neighbour on that side,
    # so the drawing shows where the family goes on.
    for work in shown:
        neighbours = lineage.sources_of(work, as_of) if upward else lineage.derived_of(work, as_of)
        if any(neighbour in hidden for neighbour in neighbours):
            if upward:
                tree.add_edge(node, str(work), type="more")
            else:
                tree.add_edge(str(work), node, type="more")
