"""A work's lineage as W3C PROV-JSON: works as entities, members as agents.

The document covers the work and all its ancestors (as of a position):

- each work is an entity ``rl:work/<uuid>`` of ``prov:type`` ``rl:Work``, with
  its title (``prov:label`` and ``dcterms:title``), ``rl:kind``, and when known
  ``dcterms:license``, ``dcterms:identifier`` (the external id), ``dcterms:created``
  and ``prov:location`` (its URI); a retracted work has ``rl:retracted`` true;
- each author is an agent ``rl:member/<uuid>`` of ``prov:type`` ``prov:Person``,
  named as credits name them (``foaf:name`` and ``prov:label``: the name or the
  pseudonym); a member who asked for no credit keeps the agent, so the work
  still shows it had an author, but with no name, labelled "Anonymous";
- each citation is a ``wasDerivedFrom`` (``generatedEntity`` the remix,
  ``usedEntity`` the source) with ``rl:relation`` and, when set,
  ``rl:royaltyPercent`` (an exact ``xsd:decimal``);
- each authorship is a ``wasAttributedTo``.

Relations have blank-node ids (``_:derivation1``...), numbered in a fixed order
(the work, then ancestors by distance and position), so the output is stable.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from ledger.domain.errors import UnknownWorkError
from lineage.family_tree import ANONYMOUS
from lineage.graph import LineageGraph

__all__ = [
    "NAMESPACE",
    "PREFIXES",
    "member_qname",
    "provenance_document",
    "work_qname",
    "write_provenance",
]

NAMESPACE = "https://remix-ledger.example/ns#"
"""The project's namespace, prefix ``rl``."""

PREFIXES = {
    "rl": NAMESPACE,
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
}
"""The namespaces a document declares (``prov`` and ``xsd`` are built into PROV-JSON)."""


def work_qname(work_id: UUID) -> str:
    """The qualified name of a work's entity.

    Examples
    --------
    >>> work_qname(UUID("27e144ac-aea7-542b-88b7-9237ff0034e0"))
    'rl:work/27e144ac-aea7-542b-88b7-9237ff0034e0'
    """
    return f"rl:work/{work_id}"


def member_qname(member_id: UUID) -> str:
    """The qualified name of a member's agent."""
    return f"rl:member/{member_id}"


def provenance_document(
    lineage: LineageGraph, work_id: UUID, as_of: int | None = None
) -> dict[str, Any]:
    """The PROV-JSON document of ``work_id`` and all its ancestors.

    Parameters
    ----------
    lineage : LineageGraph
        The lineage to describe.
    work_id : UUID
        The work whose provenance is wanted.
    as_of : int, optional
        Describe the lineage as it was at this position (the latest when None).

    Returns
    -------
    dict
        A PROV-JSON document (``json.dumps`` writes it as is).

    Raises
    ------
    UnknownWorkError
        If no work has the id (as of ``as_of``).

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
    >>> document = provenance_document(LineageGraph.from_ledger(ledger), drawing)
    >>> len(document["entity"]), len(document["agent"]), len(document["wasAttributedTo"])
    (2, 1, 2)
    >>> document["wasDerivedFrom"]["_:derivation1"]["rl:relation"]
    'illustration'
    """
    if not lineage.has_work(work_id, as_of):
        raise UnknownWorkError(f"no work has id {work_id}")
    ancestors = lineage.ancestors(work_id, as_of=as_of)
    position = lineage.position_at
    number = lineage.number
    works = [work_id, *sorted(ancestors, key=lambda a: (ancestors[a], position(number(a))))]

    entities: dict[str, Any] = {}
    agents: dict[str, Any] = {}
    derivations: dict[str, Any] = {}
    attributions: dict[str, Any] = {}
    for work in works:
        node = lineage.work(work)
        entities[work_qname(work)] = _entity(node, lineage.is_retracted(work, as_of))
        for author in node["authors"]:
            if member_qname(author) not in agents:
                agents[member_qname(author)] = _agent(lineage, author, as_of)
            attributions[f"_:attribution{len(attributions) + 1}"] = {
                "prov:entity": work_qname(work),
                "prov:agent": member_qname(author),
            }
        # Sources in the order they were cited, so the numbering is stable.
        citations = [(s, lineage.citation(s, work)) for s in lineage.sources_of(work, as_of)]
        citations.sort(key=lambda cited: cited[1]["position"])
        for source, citation in citations:
            derivations[f"_:derivation{len(derivations) + 1}"] = _derivation(citation, source, work)

    document: dict[str, Any] = {"prefix": dict(PREFIXES), "entity": entities, "agent": agents}
    # PROV-JSON leaves out a kind of record that has no records.
    if derivations:
        document["wasDerivedFrom"] = derivations
    document["wasAttributedTo"] = attributions
    return document


def _entity(node: dict[str, Any], retracted: bool) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "prov:type": {"$": "rl:Work", "type": "xsd:QName"},
        "prov:label": node["title"],
        "dcterms:title": node["title"],
        "rl:kind": node["kind"],
        "dcterms:created": {"$": node["created_at"].isoformat(), "type": "xsd:dateTime"},
    }
    if node["license"]:
        entity["dcterms:license"] = node["license"]
    if node["external_id"]:
        entity["dcterms:identifier"] = node["external_id"]
    if node["uri"]:
        entity["prov:location"] = {"$": node["uri"], "type": "xsd:anyURI"}
    if retracted:
        entity["rl:retracted"] = True
    return entity


def _agent(lineage: LineageGraph, member_id: UUID, as_of: int | None) -> dict[str, Any]:
    name = lineage.contributor(member_id, as_of).credited_as
    agent: dict[str, Any] = {"prov:type": {"$": "prov:Person", "type": "xsd:QName"}}
    if name is None:
        agent["prov:label"] = ANONYMOUS
    else:
        agent["prov:label"] = name
        agent["foaf:name"] = name
    return agent


def _derivation(edge: dict[str, Any], source: UUID, derived: UUID) -> dict[str, Any]:
    derivation: dict[str, Any] = {
        "prov:generatedEntity": work_qname(derived),
        "prov:usedEntity": work_qname(source),
        "rl:relation": edge["relation"],
    }
    percent: Decimal | None = edge["royalty_percent"]
    if percent is not None:
        # A typed decimal string keeps the percent exact (a JSON number would be a float).
        derivation["rl:royaltyPercent"] = {"$": format(percent, "f"), "type": "xsd:decimal"}
    return derivation


def write_provenance(
    lineage: LineageGraph,
    work_id: UUID,
    path: str | os.PathLike[str],
    as_of: int | None = None,
) -> Path:
    """Write ``provenance_document(lineage, work_id, as_of)`` to ``path`` as JSON.

    Returns
    -------
    Path
        The path written.
    """
    target = Path(path)
    document = provenance_document(lineage, work_id, as_of)
    target.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target
