"""Members as pages show them: their credited name, linked unless they asked for no credit."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from lineage.family_tree import ANONYMOUS
from lineage.graph import LineageGraph

__all__ = ["credited_person"]


def credited_person(graph: LineageGraph, member_id: UUID, as_of: int | None) -> dict[str, Any]:
    """``{"name", "member"}``: ``member`` (the page to link) is None for "Anonymous"."""
    try:
        contributor = graph.contributor(member_id, as_of)
    except KeyError:  # not registered yet at as_of
        return {"name": ANONYMOUS, "member": None}
    name = contributor.credited_as
    if name is None:
        return {"name": ANONYMOUS, "member": None}
    return {"name": name, "member": contributor.handle}
